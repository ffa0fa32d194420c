/**
 * Colour of an action's badge: sign-in and session actions are the default (solid), anything on
 * API keys is destructive (red) because a key is a credential, content-like actions (knowledge,
 * messages, documents) are secondary, and everything else is an outline.
 */
export type BadgeVariant = 'default' | 'destructive' | 'secondary' | 'outline';

const AUTH_RESOURCES = new Set(['auth', 'session', 'sso', 'mfa', 'oauth', 'saml', 'login', 'logout']);
const AUTH_VERBS = new Set([
  'login',
  'logout',
  'login_failed',
  'sign_in',
  'sign_out',
  'signin',
  'signout',
  'signed_in',
  'signed_out',
  'mfa_challenge',
  'password_reset',
]);
const DESTRUCTIVE_RESOURCES = new Set(['api_key', 'api_keys', 'apikey']);
const SECONDARY_RESOURCES = new Set([
  'knowledge',
  'message',
  'messages',
  'chat',
  'conversation',
  'document',
  'file',
  'comment',
  'note',
  'content',
]);

export function actionVariant(action: string): BadgeVariant {
  const segments = action.split('.');
  const resource = segments[0] ?? '';
  if (AUTH_RESOURCES.has(resource) || segments.slice(1).some((s) => AUTH_VERBS.has(s))) return 'default';
  if (DESTRUCTIVE_RESOURCES.has(resource)) return 'destructive';
  if (SECONDARY_RESOURCES.has(resource)) return 'secondary';
  return 'outline';
}

export const VARIANT_LABELS: Record<BadgeVariant, string> = {
  default: 'sign-in and sessions',
  destructive: 'API keys',
  secondary: 'content',
  outline: 'other',
};
