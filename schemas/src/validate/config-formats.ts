/**
 * String formats config schemas may use. strict ajv refuses a `format` it does not know, and
 * ajv-formats is not a dependency, so these few common ones are checked here, each bounded in
 * length before any regular expression runs.
 */
export const CONFIG_FORMATS: Readonly<Record<string, (value: string) => boolean>> = {
  date: (value) => value.length === 10 && isDate(value),
  time: (value) => value.length <= 40 && TIME.test(value),
  'date-time': (value) => {
    const t = value.search(/[Tt]/);
    return value.length <= 51 && t === 10 && isDate(value.slice(0, 10)) && TIME.test(value.slice(11));
  },
  email: (value) => value.length <= 254 && EMAIL.test(value),
  hostname: (value) => value.length <= 253 && value.split('.').every((label) => HOST_LABEL.test(label)),
  ipv4: (value) => value.length <= 15 && IPV4.test(value),
  uri: (value) => value.length <= 8192 && SCHEME.test(value) && canParseUrl(value),
  uuid: (value) => UUID.test(value),
};

const TIME = /^([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@.]{1,63}(\.[^\s@.]{1,63})+$/;
const HOST_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]{0,31}:/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function isDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days;
}

function canParseUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
