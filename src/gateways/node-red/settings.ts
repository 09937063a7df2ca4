/**
 * Node-RED's `settings.js` for a run, and the bcrypt hash of the admin password it holds. The
 * settings are plain data written as a CommonJS module: loopback only, admin login required,
 * nothing phoned home (no telemetry or update check, no diagnostics endpoint, no palette installs).
 */
import { spawn } from 'node:child_process';
import { gatewayError } from '../../errors.js';

export interface NodeRedSettingsInput {
  /** Port of the editor, admin API and `http in` nodes (one server), on 127.0.0.1. */
  readonly port: number;
  readonly user: string;
  /** bcrypt hash of the admin password (never the password). */
  readonly passwordHash: string;
  /** Timeout of `http request` nodes, in ms. */
  readonly httpRequestTimeoutMs: number;
}

/** The text of settings.js. */
export function nodeRedSettings(input: NodeRedSettingsInput): string {
  const settings = {
    uiHost: '127.0.0.1',
    uiPort: input.port,
    flowFile: 'flows.json',
    flowFilePretty: false,
    // No node of ours has credentials; nothing to encrypt, and no key file to generate.
    credentialSecret: false,
    adminAuth: { type: 'credentials', users: [{ username: input.user, password: input.passwordHash, permissions: '*' }] },
    // A full configuration of thousands of tabs is larger than the default 5 MB.
    apiMaxLength: '1gb',
    httpRequestTimeout: input.httpRequestTimeoutMs,
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    telemetry: { enabled: false, updateNotification: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false, allowUpload: false }, modules: { allowInstall: false } },
    editorTheme: { tours: false, projects: { enabled: false } },
    logging: { console: { level: 'info', metrics: false, audit: false } },
  };
  return `// Written by gwscale for one run: loopback only, admin login required, no telemetry.\nmodule.exports = ${JSON.stringify(settings, null, 2)};\n`;
}

/**
 * The bcrypt hash of `password`, made by the bcryptjs that the installed Node-RED ships (so the
 * hash is one it reads). The password goes to that child process on stdin, never on its command line.
 */
export function bcryptHash(password: string, nodeRedPackageDir: string): Promise<string> {
  const script =
    "const b=require(require.resolve('bcryptjs',{paths:[process.argv[1]]}));let p='';" +
    "process.stdin.setEncoding('utf8');process.stdin.on('data',c=>p+=c);process.stdin.on('end',()=>process.stdout.write(b.hashSync(p,8)));";
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, nodeRedPackageDir], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', (error) => reject(gatewayError(`could not hash the Node-RED admin password: ${error.message}`, { cause: error })));
    child.on('close', (code) => {
      if (code === 0 && /^\$2[aby]\$/.test(out)) resolve(out);
      else
        reject(gatewayError(`could not hash the Node-RED admin password with its bcryptjs (exit ${code ?? 'signal'}): ${err.trim().split('\n').pop() ?? ''}`));
    });
    child.stdin.end(password);
  });
}
