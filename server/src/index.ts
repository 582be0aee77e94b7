/** The server's public surface: build the app, open a vault, read config. */
export { type AppDeps, createApp, type KithApp } from './app.ts';
export { type Clock, systemClock } from './clock.ts';
export { type Config, ConfigError, loadConfig } from './config.ts';
export { createLogger } from './logger.ts';
export { openVault, type Vault } from './vault.ts';
