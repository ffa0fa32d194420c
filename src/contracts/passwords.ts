/** How long a password must be: the server refuses others, the dashboard says so beforehand. */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;
