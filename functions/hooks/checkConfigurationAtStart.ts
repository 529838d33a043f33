import { app } from '@azure/functions';

/**
 * Validates every setting once when the app starts, so a bad configuration (retention over 30
 * days, a malformed resource id, a missing key) is reported at start-up, by name and rule, instead
 * of at the first 3 a.m. timer. It logs and never throws: a throwing start hook fails the worker's
 * start, which would also take down GET /api/health, the place operators look first. Handlers still
 * load configuration lazily and refuse to run on the same errors. A valid configuration is silent.
 * The schema (zod) loads here, after the function files, not while they load. It also reports
 * when nothing vouches for the callers' identity (shared/identity/principal.ts, identitySource).
 */
export async function checkConfigurationAtStart(): Promise<void> {
  const { getConfig } = await import('../../shared/config');
  const { errorMessage } = await import('../../shared/errors');
  try {
    getConfig();
  } catch (error) {
    console.error(JSON.stringify({ event: 'lifeboat.config.invalid', error: errorMessage(error) }));
  }
  // Who may call the operator routes (issue 20): without App Service Authentication (or the
  // local stack's stand-in) anyone could send the principal headers. Reported now, by setting
  // name; every operator route refuses with the same error until it is fixed.
  const { identitySource } = await import('../../shared/identity/principal');
  try {
    identitySource(process.env);
  } catch (error) {
    console.error(JSON.stringify({ event: 'lifeboat.config.invalid', error: errorMessage(error) }));
  }
}

app.hook.appStart(checkConfigurationAtStart);
