/** The pure parts of the Tomcat target: manager and JMX proxy answers, the base folder's files, the WAR. */
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DEBIAN_JARS_TO_SKIP, managerContextXml, serverXml, tomcatUsersXml, withDebianJarsSkipped } from '../src/gateways/tomcat/base-folder.js';
import { contextNameFor } from '../src/gateways/tomcat/adapter.js';
import { parseContextList, parseManagerAnswer } from '../src/gateways/tomcat/manager-client.js';
import { buildServiceWar, operationTable, webXml, type ServiceWarInput } from '../src/gateways/tomcat/war.js';
import { parseJmxNumber } from '../src/sampling/jvm.js';
import type { ServiceSpec } from '../src/wsdl/model.js';

describe('manager text answers', () => {
  it('reads OK and FAIL status lines, even though both come with HTTP 200', () => {
    expect(parseManagerAnswer('OK - Deployed application at context path [/svc1]\n')).toEqual({
      ok: true,
      message: 'Deployed application at context path [/svc1]',
      lines: [],
    });
    expect(parseManagerAnswer('FAIL - No context exists named [&#47;nope]\n')).toEqual({ ok: false, message: 'No context exists named [/nope]', lines: [] });
    expect(parseManagerAnswer('<html>login</html>')).toMatchObject({ ok: false, message: '<html>login</html>' });
    expect(parseManagerAnswer('')).toMatchObject({ ok: false, message: 'empty answer' });
  });

  it('lists contexts', () => {
    const answer = parseManagerAnswer(
      'OK - Listed applications for virtual host [localhost]\n/manager:running:0:/usr/share/tomcat10-admin/manager\n/Svc1:running:0:Svc1\n/Svc2:stopped:0:Svc2\n',
    );
    expect(parseContextList(answer.lines)).toEqual([
      { path: '/manager', state: 'running', sessions: 0, docBase: '/usr/share/tomcat10-admin/manager' },
      { path: '/Svc1', state: 'running', sessions: 0, docBase: 'Svc1' },
      { path: '/Svc2', state: 'stopped', sessions: 0, docBase: 'Svc2' },
    ]);
  });
});

describe('JMX proxy answers', () => {
  it('reads a composite key and a plain attribute', () => {
    expect(parseJmxNumber("OK - Attribute get 'java.lang:type=Memory' - HeapMemoryUsage - key 'used' = 10669840\n", 'heap')).toBe(10_669_840);
    expect(parseJmxNumber("OK - Attribute get 'java.lang:type=ClassLoading' - LoadedClassCount = 3962", 'classes')).toBe(3962);
  });

  it('turns an "Error -" body (sent with HTTP 200) into a one-line error', () => {
    const body =
      'Error - javax.management.AttributeNotFoundException: No such attribute: Nope\njavax.management.AttributeNotFoundException: No such attribute: Nope\n\tat java.management/…\n';
    expect(() => parseJmxNumber(body, 'java.lang:type=Memory Nope')).toThrow(
      'JMX proxy could not read java.lang:type=Memory Nope: Error - javax.management.AttributeNotFoundException: No such attribute: Nope',
    );
  });
});

describe('CATALINA_BASE files', () => {
  it('adds Debian jars to the scan skip list of Debian catalina.properties', () => {
    const debian = 'common.loader="${catalina.base}/lib"\ntomcat.util.scan.StandardJarScanFilter.jarsToSkip=\\\nannotations-api.jar,\\\nant*.jar\n\nother=1\n';
    const out = withDebianJarsSkipped(debian);
    expect(out).toContain(`jarsToSkip=${DEBIAN_JARS_TO_SKIP},\\\nannotations-api.jar,\\\nant*.jar\n`);
    expect(out).toContain('other=1');
    expect(withDebianJarsSkipped('a=1\n')).toContain(`tomcat.util.scan.StandardJarScanFilter.jarsToSkip=${DEBIAN_JARS_TO_SKIP}`);
  });

  it('has no shutdown port, one loopback connector and no auto-deploy', () => {
    const xml = serverXml(8123);
    expect(xml).toContain('<Server port="-1"');
    expect(xml).toContain('<Connector address="127.0.0.1" port="8123"');
    expect(xml.match(/<Connector /g)).toHaveLength(1);
    expect(xml).toContain('autoDeploy="false"');
  });

  it('escapes the password in tomcat-users.xml and gives the user both manager roles', () => {
    const xml = tomcatUsersXml('gw', 'a"b<c&d');
    expect(xml).toContain('password="a&quot;b&lt;c&amp;d"');
    expect(xml).toContain('roles="manager-script,manager-jmx"');
  });

  it('opens the manager to the loopback only', () => {
    expect(managerContextXml('/usr/share/tomcat10-admin/manager')).toContain('allow="127.0.0.0/8, ::1/128"');
  });
});

describe('service WAR', () => {
  const input: ServiceWarInput = {
    serviceName: 'Svc1',
    targetNamespace: 'urn:svc1',
    operations: [
      { name: 'GetQuote', inputElement: '{urn:svc1}GetQuote', outputElement: '{urn:svc1}GetQuoteResponse', oneWay: false },
      { name: 'CancelOrder', inputElement: '{urn:svc1}CancelOrderRequest', outputElement: null, oneWay: true },
    ],
    wsdlText: '<definitions/>',
  };

  it('maps request elements to operations and response elements', () => {
    expect(operationTable(input.operations)).toBe('GetQuote GetQuote {urn:svc1}GetQuoteResponse\nCancelOrderRequest CancelOrder -');
  });

  it('puts the request and response policy filters on every path', () => {
    const xml = webXml(input);
    expect(xml).toContain('<filter-class>org.apache.catalina.filters.RemoteIpFilter</filter-class>');
    expect(xml).toContain('<filter-class>org.apache.catalina.filters.HttpHeaderSecurityFilter</filter-class>');
    expect(xml.match(/<filter-mapping>.*?<url-pattern>\/\*<\/url-pattern><\/filter-mapping>/g)).toHaveLength(2);
  });

  it('packs web.xml, the JSP, the context descriptor and the WSDL, byte-identically for the same input', () => {
    const war = buildServiceWar(input);
    const files = unzipSync(war);
    expect(Object.keys(files).sort()).toEqual(['META-INF/context.xml', 'WEB-INF/soap.jsp', 'WEB-INF/web.xml', 'service.wsdl']);
    expect(strFromU8(files['service.wsdl']!)).toBe('<definitions/>');
    expect(strFromU8(files['META-INF/context.xml']!)).toContain('mapperContextRootRedirectEnabled="false"');
    expect(strFromU8(files['WEB-INF/soap.jsp']!)).not.toContain('plantedLeak');
    expect(buildServiceWar(input)).toEqual(war);
    expect(strFromU8(unzipSync(buildServiceWar({ ...input, plantClassloaderLeak: true }))['WEB-INF/soap.jsp']!)).toContain('plantedLeak');
  });

  it('names contexts after plain service names only', () => {
    const spec = (serviceName: string, index: number): ServiceSpec => ({ index, group: 'g', serviceName, version: '1.1', fileName: 'f.wsdl', wsdlText: '' });
    expect(contextNameFor(spec('Svc00001_abc', 1))).toBe('Svc00001_abc');
    expect(contextNameFor(spec('Order Service#2', 7))).toBe('svc-7');
    expect(contextNameFor(spec('manager', 3))).toBe('svc-3');
  });
});
