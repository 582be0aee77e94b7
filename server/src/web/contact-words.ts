import { type ContactChannel, contactChannelLabels, contactChannels } from '@kith/schemas';

/**
 * A contact channel as a person says it, in the middle of a sentence:
 * "text message", not "sms". Anything that is not a channel is shown as it is.
 *
 * @example
 * channelWords('sms') // 'text message'
 */
export function channelWords(channel: string): string {
  return isChannel(channel) ? contactChannelLabels[channel].toLowerCase() : channel;
}

/**
 * A contact channel as a label on its own: "Text message".
 *
 * @example
 * channelLabel('push') // 'App notification'
 */
export function channelLabel(channel: string): string {
  return isChannel(channel) ? contactChannelLabels[channel] : channel;
}

/**
 * Channels as a list in a sentence: "email, text message or post".
 *
 * @example
 * channelList(['email', 'sms']) // 'email or text message'
 */
export function channelList(channels: readonly string[], last = 'or'): string {
  const words = channels.map(channelWords);
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} ${last} ${words.at(-1)}`;
}

/**
 * How often, in words: "once", "twice", "3 times".
 *
 * @example
 * timesWords(2) // 'twice'
 */
export function timesWords(count: number): string {
  return count === 1 ? 'once' : count === 2 ? 'twice' : `${count} times`;
}

function isChannel(value: string): value is ContactChannel {
  return (contactChannels as readonly string[]).includes(value);
}
