import type { FieldPath } from './profile-fields.ts';

/**
 * Good and bad values for every field, shared by the tests. Typed over
 * FieldPath so a field added to the catalogue without cases fails to compile.
 * `normalises` lists `[input, stored]` pairs for values the schema rewrites.
 */
export const fieldCases: {
  [P in FieldPath]: {
    good: readonly unknown[];
    normalises?: readonly (readonly [unknown, unknown])[];
    bad: readonly unknown[];
  };
} = {
  name: {
    good: ['Ada Lovelace', 'José María Núñez', '李小龍', 'x'.repeat(200)],
    normalises: [['  Ada King  ', 'Ada King']],
    bad: ['', '   ', 'Ada\nLovelace', 'x'.repeat(201), 42, null, [], {}],
  },
  given_name: { good: ['Ada', 'Mary-Jane'], bad: ['', ' ', 'x'.repeat(101), 1, true] },
  family_name: { good: ['Lovelace', "O'Brien"], bad: ['', 'a\r\nb', 'x'.repeat(101)] },
  middle_name: { good: ['Augusta'], bad: ['', {}] },
  nickname: { good: ['Ada'], bad: ['', '\t', 7] },
  preferred_username: { good: ['ada', 'ada.lovelace_1815'], bad: ['', 'ada lovelace', 'x'.repeat(65)] },
  email: {
    good: ['ada@example.com', 'Ada.Lovelace@example.co.uk'],
    normalises: [
      ['Ada.Lovelace@Example.CO.UK', 'Ada.Lovelace@example.co.uk'],
      [' ada+kith@example.org ', 'ada+kith@example.org'],
    ],
    bad: [
      '',
      'ada',
      'ada@',
      '@example.com',
      'ada@example',
      'ada@@example.com',
      'ada example@x.com',
      'a@b.c',
      `${'a'.repeat(250)}@x.io`,
      1,
    ],
  },
  phone_number: {
    good: ['+447700900123', '+33123456789'],
    normalises: [
      ['+44 7700 900123', '+447700900123'],
      ['+1 (555) 010-1234', '+15550101234'],
    ],
    bad: [
      '',
      '07700900123',
      '447700900123',
      '+0447700900123',
      '+44',
      '+4477009001234567',
      '+44 7700 9001ab',
      447700900123,
    ],
  },
  address: {
    good: [
      { street_address: '10 Downing Street', locality: 'London', postal_code: 'SW1A 2AA', country: 'GB' },
      { locality: 'Dublin', country: 'IE' },
      {
        street_address: '1600 Amphitheatre Pkwy',
        locality: 'Mountain View',
        region: 'CA',
        postal_code: '94043',
        country: 'US',
        formatted: '1600 Amphitheatre Pkwy\nMountain View, CA 94043\nUSA',
      },
    ],
    normalises: [
      [
        { street_address: 'Flat 2\n1 High St', country: 'gb' },
        { street_address: 'Flat 2\n1 High St', country: 'GB' },
      ],
    ],
    bad: [
      { country: 'GB' },
      { region: 'Kent', postal_code: 'CT1 1AA', country: 'GB' },
      { locality: 'London' },
      { locality: 'London', country: 'UK' },
      { locality: 'London', country: 'XX' },
      { locality: 'London', country: 'XK' },
      { locality: 'London', country: 'GBR' },
      { locality: 'London', country: '' },
      { locality: '', country: 'GB' },
      { locality: 'London', country: 'GB', floor: 3 },
      'London, GB',
      [],
    ],
  },
  birthdate: {
    good: ['1990-05-17', '2024-02-29', '1900-01-01'],
    normalises: [[' 2000-01-01 ', '2000-01-01']],
    bad: [
      '2023-02-30',
      '2023-02-29',
      '1899-12-31',
      '2100-01-01',
      '1990-5-17',
      '17/05/1990',
      '1990-13-01',
      '0000-05-17',
      '',
      19900517,
    ],
  },
  locale: {
    good: ['en-GB', 'fr', 'zh-Hant-TW', 'es-419'],
    normalises: [
      ['en-gb', 'en-GB'],
      ['iw', 'he'],
    ],
    bad: ['', 'english', 'en_GB', 'e', 'en-GB-u-ca-gregory', 'x'.repeat(36), 12],
  },
  zoneinfo: {
    good: ['Europe/London', 'UTC', 'America/Argentina/Buenos_Aires', 'Asia/Kolkata', 'Pacific/Kiritimati'],
    bad: ['', 'europe/london', 'Europe/Londres', 'GMT+1', '+01:00', 'London', 'Mars/Olympus_Mons', 1],
  },
  website: {
    good: ['https://ada.example.com', 'http://example.org/about?x=1'],
    normalises: [[' https://example.com/ ', 'https://example.com/']],
    bad: [
      '',
      'example.com',
      'ftp://example.com',
      'javascript:alert(1)',
      'https://',
      `https://e.com/${'a'.repeat(2040)}`,
    ],
  },
  picture: {
    good: ['https://cdn.example.com/ada.jpg'],
    bad: ['', 'http://cdn.example.com/ada.jpg', 'data:image/png;base64,AAAA', 'cdn.example.com/ada.jpg'],
  },
  'contact.channels': {
    good: [['email'], ['email', 'sms', 'post'], ['email', 'phone', 'sms', 'post', 'push']],
    bad: [[], ['fax'], ['email', 'email'], 'email', ['EMAIL'], null],
  },
  'contact.quiet_hours': {
    good: [
      { start: '21:00', end: '08:00' },
      { start: '00:00', end: '23:59' },
      { start: '12:30', end: '13:30' },
    ],
    bad: [
      { start: '21:00', end: '21:00' },
      { start: '24:00', end: '08:00' },
      { start: '9:00', end: '17:00' },
      { start: '09:60', end: '17:00' },
      { start: '09:00' },
      { start: '09:00', end: '17:00', days: 'all' },
      '21:00-08:00',
    ],
  },
  'contact.max_per_week': {
    good: [0, 1, 100],
    bad: [-1, 101, 1.5, '3', NaN, Number.POSITIVE_INFINITY, null],
  },
  'contact.no_marketing': { good: [true, false], bad: ['true', 1, 0, null, 'on'] },
  'sizes.clothing': {
    good: [
      { system: 'INT', size: 'M' },
      { system: 'UK', size: '12' },
    ],
    normalises: [
      [
        { system: 'US', size: ' 32/34 ' },
        { system: 'US', size: '32/34' },
      ],
    ],
    bad: [
      { system: 'FR', size: 'M' },
      { system: 'INT', size: '' },
      { system: 'INT', size: 'XXXXXXXXL' },
      { system: 'INT' },
      { system: 'int', size: 'M' },
      'M',
    ],
  },
  'sizes.shoe': {
    good: [
      { system: 'EU', size: 42 },
      { system: 'UK', size: 8.5 },
      { system: 'US', size: 1 },
      { system: 'EU', size: 60 },
    ],
    bad: [
      { system: 'EU', size: 42.3 },
      { system: 'EU', size: 0.5 },
      { system: 'EU', size: 61 },
      { system: 'INT', size: 8 },
      { system: 'EU', size: '42' },
      { size: 42 },
    ],
  },
  'preferences.preferred_name': { good: ['Ada'], bad: ['', 'x'.repeat(101)] },
  'preferences.pronouns': { good: ['she/her', 'they/them'], bad: ['', 'x'.repeat(41)] },
  'preferences.accessibility_needs': {
    good: ['Step-free access, please.', 'Large print.\nNo flashing lights.', 'x'.repeat(1000)],
    bad: ['', '  ', 'x'.repeat(1001)],
  },
  'preferences.dietary_needs': {
    good: [['vegan'], ['halal', 'nut_allergy'], ['no mushrooms']],
    normalises: [
      [
        ['Gluten free', 'no mushrooms'],
        ['gluten_free', 'no mushrooms'],
      ],
      [['LACTOSE-FREE'], ['lactose_free']],
    ],
    bad: [
      [],
      [''],
      ['vegan', 'Vegan'],
      ['x'.repeat(61)],
      ['a\nb'],
      Array.from({ length: 21 }, (_, i) => `need ${i}`),
      'vegan',
    ],
  },
  'preferences.notes_for_vendors': { good: ['Please ring the bell twice.'], bad: ['', 'x'.repeat(1001), 5] },
};
