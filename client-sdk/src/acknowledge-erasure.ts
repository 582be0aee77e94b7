import { erasureAcknowledgedSchema } from '@kith/schemas';
import { chooseVault, clientAuthentication, type KithContext } from './context.ts';
import { clientError } from './errors.ts';
import { readJson, send } from './http.ts';

/** Options of {@link acknowledgeErasure}. */
export interface AcknowledgeErasureOptions {
  /** The vault that sent `erasure.requested`; default the client's vault. */
  vault?: string;
  /** `data.erasure_id` of the `erasure.requested` event. */
  erasureId: string;
  signal?: AbortSignal;
}

/** The vault's record of your acknowledgement. */
export interface ErasureAcknowledgement {
  erasureId: string;
  /** ISO 8601: when you were asked to have erased by. */
  deadline: string;
  /** ISO 8601: when the vault recorded your (first) acknowledgement. */
  acknowledgedAt: string;
  /** True when it came after the deadline: the owner sees that. */
  late: boolean;
}

/**
 * Tells the person's vault you erased what you held about them, after an
 * `erasure.requested` event: the owner's page then shows the erasure
 * confirmed. Erase first, then acknowledge. Authenticated with your key
 * (`private_key_jwt`): the grants are revoked by then. Safe to repeat: a
 * second call answers the first acknowledgement. Throws `ERASURE_NOT_FOUND`
 * for an id that is not yours.
 *
 * @example
 * if (event.type === 'erasure.requested') {
 *   await db.deleteEverythingAbout(event.data.sub);
 *   await kith.acknowledgeErasure({ vault, erasureId: event.data.erasure_id });
 * }
 */
export async function acknowledgeErasure(
  context: KithContext,
  options: AcknowledgeErasureOptions,
): Promise<ErasureAcknowledgement> {
  if (typeof options.erasureId !== 'string' || options.erasureId.length === 0) {
    throw clientError('INVALID_ARGUMENT', {
      detail: 'acknowledgeErasure needs the erasureId from the event.',
    });
  }
  const discovery = await context.discover(chooseVault(context, options.vault), options.signal);
  // Next to the data endpoint (`/v1/erasure/acknowledge`), so a vault served under a path prefix works too.
  const url = new URL('erasure/acknowledge', discovery.data_endpoint).toString();
  const response = await send(
    context.transport,
    async () => ({
      url,
      init: {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          ...(await clientAuthentication(context, discovery.issuer)),
          erasure_id: options.erasureId,
        }),
      },
    }),
    options.signal,
  );
  const answer = await readJson(response, erasureAcknowledgedSchema);
  return {
    erasureId: answer.erasure_id,
    deadline: answer.deadline,
    acknowledgedAt: answer.acknowledged_at,
    late: answer.late,
  };
}
