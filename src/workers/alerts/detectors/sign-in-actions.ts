/**
 * What counts as a sign-in, as action patterns (action-pattern.ts), so that customers' own
 * names are recognised as well as Trailmark's (`user.login`, `user.login_failed`, SPEC §5):
 * - a sign-in attempt: an action whose last segment is login, signin, sign_in, signed_in or
 *   logged_in (`user.login`, `account.signed_in`); with status success it is a sign-in, with
 *   status failure a failed one;
 * - a failed sign-in whatever its status: last segment login_failed, signin_failed,
 *   sign_in_failed or failed_login (`user.login_failed`).
 * Each detector that uses them takes them as settings with these defaults.
 */
export const SIGN_IN_ACTIONS = '*.login,*.signin,*.sign_in,*.signed_in,*.logged_in';
export const FAILED_SIGN_IN_ACTIONS = '*.login_failed,*.signin_failed,*.sign_in_failed,*.failed_login';
