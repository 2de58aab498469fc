// Every time the UI shows is Beijing time, whatever the browser's own zone.
const formatter = (locale) =>
  new Intl.DateTimeFormat(locale, {
    timeZone: 'Asia/Shanghai',
    year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
  });

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

export const looksLikeTime = (value) => typeof value === 'string' && ISO_TIME.test(value);

export function formatTime(value, locale) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return formatter(locale === 'en' ? 'en-GB' : 'zh-CN').format(date);
}
