/** Environment variables that carry the admin credentials to the gateway process (never argv). */
export const USER_ENV = 'GWSCALE_GATEWAY_USER';
export const PASSWORD_ENV = 'GWSCALE_GATEWAY_PASSWORD';
