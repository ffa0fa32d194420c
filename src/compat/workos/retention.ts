import { AppError } from '../../domain/errors.js';

/**
 * WorkOS's retention periods (`1_MONTH`…`11_MONTHS`, `1_YEAR`…`10_YEARS`) as Trailmark's
 * retention in days: a month is 30 days and a year 365, as WorkOS answers `1_YEAR` with 365.
 */

const PERIOD = /^(\d{1,2})_(MONTH|MONTHS|YEAR|YEARS)$/;

export function retentionDays(period: string): number {
  const match = PERIOD.exec(period);
  const n = match ? Number(match[1]) : 0;
  const months = match?.[2]?.startsWith('MONTH');
  const valid = match && n >= 1 && (months ? n <= 11 : n <= 10) && (n === 1) === !match[2]!.endsWith('S');
  if (!valid) {
    throw new AppError(
      'validation',
      `retention_period ${period} is not one of 1_MONTH…11_MONTHS, 1_YEAR…10_YEARS`,
      {
        errors: [{ path: '/retention_period', message: 'must be one of 1_MONTH…11_MONTHS, 1_YEAR…10_YEARS' }],
      },
    );
  }
  return months ? n * 30 : n * 365;
}
