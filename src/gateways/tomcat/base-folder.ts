/**
 * A private CATALINA_BASE for one run: Debian's stock conf (from CATALINA_HOME/etc, not
 * /etc/tomcat10), one loopback connector, no shutdown port, no auto-deploy, the manager webapp
 * for the loopback only, and a user with the generated password (file mode 0600).
 */
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface TomcatBaseOptions {
  /** Folder to create the base in (emptied by the caller when needed). */
  readonly baseDir: string;
  /** Debian's CATALINA_HOME, e.g. `/usr/share/tomcat10`. */
  readonly catalinaHome: string;
  /** The manager webapp folder, e.g. `/usr/share/tomcat10-admin/manager`. */
  readonly managerDir: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

/** Debian's own jars, pulled in by jar manifests; scanning them costs ~0.4 s per deploy. */
export const DEBIAN_JARS_TO_SKIP = 'tomcat10-*.jar,eclipse-jdt-core*.jar';

const xmlAttr = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** server.xml: no shutdown port, one HTTP connector on 127.0.0.1, WARs deployed only through the manager. */
export function serverXml(port: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by gwscale for one run. -->
<Server port="-1" shutdown="SHUTDOWN">
  <Listener className="org.apache.catalina.startup.VersionLoggerListener" logArgs="false" logEnv="false" logProps="false" />
  <Listener className="org.apache.catalina.core.JreMemoryLeakPreventionListener" />
  <Listener className="org.apache.catalina.mbeans.GlobalResourcesLifecycleListener" />
  <Listener className="org.apache.catalina.core.ThreadLocalLeakPreventionListener" />
  <GlobalNamingResources>
    <Resource name="UserDatabase" auth="Container" type="org.apache.catalina.UserDatabase"
              factory="org.apache.catalina.users.MemoryUserDatabaseFactory"
              pathname="conf/tomcat-users.xml" readonly="true" />
  </GlobalNamingResources>
  <Service name="Catalina">
    <Connector address="127.0.0.1" port="${port}" protocol="HTTP/1.1" connectionTimeout="20000"
               maxParameterCount="1000" maxSwallowSize="-1" />
    <Engine name="Catalina" defaultHost="localhost">
      <Realm className="org.apache.catalina.realm.LockOutRealm">
        <Realm className="org.apache.catalina.realm.UserDatabaseRealm" resourceName="UserDatabase" />
      </Realm>
      <Host name="localhost" appBase="webapps" unpackWARs="false" autoDeploy="false" deployOnStartup="true" />
    </Engine>
  </Service>
</Server>
`;
}

/** tomcat-users.xml with one user holding the two manager roles the harness uses. */
export function tomcatUsersXml(user: string, password: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<tomcat-users xmlns="http://tomcat.apache.org/xml" version="1.0">
  <role rolename="manager-script" />
  <role rolename="manager-jmx" />
  <user username="${xmlAttr(user)}" password="${xmlAttr(password)}" roles="manager-script,manager-jmx" />
</tomcat-users>
`;
}

/** The manager webapp from the Debian package, reachable from the loopback only. */
export function managerContextXml(managerDir: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Context docBase="${xmlAttr(managerDir)}" privileged="true" antiResourceLocking="false">
  <Valve className="org.apache.catalina.valves.RemoteCIDRValve" allow="127.0.0.0/8, ::1/128" />
  <Manager pathname="" />
</Context>
`;
}

/** One line per record on the console: the harness keeps the tail and a log file. */
export const LOGGING_PROPERTIES = `handlers = java.util.logging.ConsoleHandler
.handlers = java.util.logging.ConsoleHandler
.level = INFO
java.util.logging.ConsoleHandler.level = INFO
java.util.logging.ConsoleHandler.formatter = org.apache.juli.OneLineFormatter
java.util.logging.ConsoleHandler.encoding = UTF-8
`;

/** No session persistence: a restart must reload only what was deployed. */
export const CONTEXT_XML = `<?xml version="1.0" encoding="UTF-8"?>
<Context>
  <Manager pathname="" />
</Context>
`;

/** Debian's catalina.properties with its own jars added to `jarsToSkip`. */
export function withDebianJarsSkipped(catalinaProperties: string): string {
  const key = 'tomcat.util.scan.StandardJarScanFilter.jarsToSkip=';
  const at = catalinaProperties.indexOf(key);
  if (at < 0) return `${catalinaProperties}\n${key}${DEBIAN_JARS_TO_SKIP}\n`;
  const end = at + key.length;
  // The value may continue over lines ending in a backslash; prepend ours as the first entries.
  const rest = catalinaProperties.slice(end);
  const emptyValue = /^[ \t]*(?:\r?\n|$)/.test(rest);
  return `${catalinaProperties.slice(0, end)}${DEBIAN_JARS_TO_SKIP}${emptyValue ? '' : ','}${rest}`;
}

/** Writes the base folder's conf/, webapps/, work/, temp/ and logs/. */
export async function writeTomcatBase(options: TomcatBaseOptions): Promise<void> {
  const conf = join(options.baseDir, 'conf');
  for (const dir of ['conf/Catalina/localhost', 'webapps', 'work', 'temp', 'logs']) {
    await mkdir(join(options.baseDir, dir), { recursive: true });
  }
  const etc = join(options.catalinaHome, 'etc');
  await copyFile(join(etc, 'web.xml'), join(conf, 'web.xml'));
  const properties = await readFile(join(etc, 'catalina.properties'), 'utf8');
  await writeFile(join(conf, 'catalina.properties'), withDebianJarsSkipped(properties));
  await writeFile(join(conf, 'server.xml'), serverXml(options.port));
  await writeFile(join(conf, 'context.xml'), CONTEXT_XML);
  await writeFile(join(conf, 'logging.properties'), LOGGING_PROPERTIES);
  await writeFile(join(conf, 'Catalina', 'localhost', 'manager.xml'), managerContextXml(options.managerDir));
  const users = join(conf, 'tomcat-users.xml');
  await writeFile(users, tomcatUsersXml(options.user, options.password), { mode: 0o600 });
  await chmod(users, 0o600);
}
