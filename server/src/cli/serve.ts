import { ConfigError, loadConfig } from '../config/config.js';
import { startServer } from '../server.js';

/** `nexusflow serve`: starts the server from the environment and stops it cleanly on SIGTERM/SIGINT. */
export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  const server = await startServer(config);
  // whatsapp-web.js and puppeteer can reject promises nobody awaits once a browser page closes;
  // on Node 20 one of them would end the process and every conversation with it.
  process.on('unhandledRejection', (reason) => server.ctx.logger.error({ err: reason }, 'unhandled promise rejection (kept running)'));
  // Tests and process managers read this line to learn the address.
  console.log(`Nexus Flow is ready at ${server.url} (data: ${config.mongodbUri === undefined ? config.dataDir : 'MongoDB'})`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`${signal}: finishing running steps and stopping…`);
      server.close().then(
        () => resolve(0),
        (error: unknown) => {
          console.error('shutdown failed:', error);
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
