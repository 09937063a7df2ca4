/**
 * One service as a Tomcat web application archive: the WSDL served statically, a JSP answering
 * every SOAP operation, and Tomcat's own filters as the request policy (RemoteIpFilter: the client
 * address comes from X-Forwarded-For when a loopback proxy sends it) and the response policy
 * (HttpHeaderSecurityFilter: X-Frame-Options, X-Content-Type-Options, ...).
 */
import { strToU8, zipSync, type Zippable } from 'fflate';

/** What the JSP must know about one operation. */
export interface WarOperation {
  readonly name: string;
  /** Qualified name of the request's body element (`{ns}local`), or null to use the operation name. */
  readonly inputElement: string | null;
  /** Qualified name of the response's body element; null for `{ns}<operation>Response`. */
  readonly outputElement: string | null;
  /** In-only operations answer 202 Accepted with no body. */
  readonly oneWay: boolean;
}

export interface ServiceWarInput {
  readonly serviceName: string;
  readonly targetNamespace: string;
  readonly operations: readonly WarOperation[];
  /** The WSDL as served at `<context>/service.wsdl` and `<context>?wsdl`. */
  readonly wsdlText: string;
  /**
   * Plant a classloader leak (tests of the leak signal): the JSP puts itself into the JVM-wide
   * system properties when it starts, so no reloaded or undeployed context can ever be collected.
   */
  readonly plantClassloaderLeak?: boolean;
}

/** The response header the request policy's effect is reported in (the client address as Tomcat sees it). */
export const CLIENT_ADDRESS_HEADER = 'X-Gw-Client-Address';
/** Filter names in web.xml; `listing` and the docs refer to them. */
export const REQUEST_POLICY_FILTER = 'gw-request-policy';
export const RESPONSE_POLICY_FILTER = 'gw-response-policy';

const xmlText = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const localOf = (qname: string): string => qname.replace(/^\{[^}]*\}/, '');

/** Lines `inputLocal operation outputQName-or-dash` the JSP looks requests up in. */
export function operationTable(operations: readonly WarOperation[]): string {
  return operations
    .map((op) => {
      const input = localOf(op.inputElement ?? op.name);
      const output = op.oneWay ? '-' : (op.outputElement ?? `${op.name}Response`);
      return `${input} ${op.name} ${output}`;
    })
    .join('\n');
}

/** WEB-INF/web.xml: both policies on every path, the JSP for SOAP, the default servlet for the WSDL. */
export function webXml(input: ServiceWarInput): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="https://jakarta.ee/xml/ns/jakartaee https://jakarta.ee/xml/ns/jakartaee/web-app_6_0.xsd"
         version="6.0" metadata-complete="true">
  <display-name>gwscale ${xmlText(input.serviceName)}</display-name>
  <absolute-ordering />
  <context-param><param-name>gwscale.service</param-name><param-value>${xmlText(input.serviceName)}</param-value></context-param>
  <context-param><param-name>gwscale.targetNamespace</param-name><param-value>${xmlText(input.targetNamespace)}</param-value></context-param>
  <context-param><param-name>gwscale.operations</param-name><param-value>${xmlText(operationTable(input.operations))}</param-value></context-param>
  <filter>
    <filter-name>${REQUEST_POLICY_FILTER}</filter-name>
    <filter-class>org.apache.catalina.filters.RemoteIpFilter</filter-class>
    <init-param><param-name>remoteIpHeader</param-name><param-value>X-Forwarded-For</param-value></init-param>
    <init-param><param-name>internalProxies</param-name><param-value>127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}|0:0:0:0:0:0:0:1|::1</param-value></init-param>
  </filter>
  <filter>
    <filter-name>${RESPONSE_POLICY_FILTER}</filter-name>
    <filter-class>org.apache.catalina.filters.HttpHeaderSecurityFilter</filter-class>
    <init-param><param-name>antiClickJackingOption</param-name><param-value>SAMEORIGIN</param-value></init-param>
    <init-param><param-name>blockContentTypeSniffingEnabled</param-name><param-value>true</param-value></init-param>
  </filter>
  <filter-mapping><filter-name>${REQUEST_POLICY_FILTER}</filter-name><url-pattern>/*</url-pattern></filter-mapping>
  <filter-mapping><filter-name>${RESPONSE_POLICY_FILTER}</filter-name><url-pattern>/*</url-pattern></filter-mapping>
  <servlet>
    <servlet-name>soap</servlet-name>
    <jsp-file>/WEB-INF/soap.jsp</jsp-file>
  </servlet>
  <servlet-mapping><servlet-name>soap</servlet-name><url-pattern>/*</url-pattern></servlet-mapping>
  <servlet-mapping><servlet-name>default</servlet-name><url-pattern>/service.wsdl</url-pattern></servlet-mapping>
</web-app>
`;
}

/**
 * The JSP answering SOAP 1.1 and 1.2: finds the body's first element, looks it up in the operation
 * table, and answers with the operation's response element naming the operation and the service.
 */
export const SOAP_JSP = soapJsp(false);

/** The JSP source; with `plantLeak` it pins its own class (and so its webapp's classloader) in a JVM-wide map. */
export function soapJsp(plantLeak: boolean): string {
  const leak = plantLeak
    ? `
  public void jspInit() {
    System.getProperties().put("gwscale.plantedLeak." + System.identityHashCode(this), this);
  }
`
    : '';
  return `<%@ page session="false" trimDirectiveWhitespaces="true"
    import="java.nio.charset.StandardCharsets,java.util.regex.Matcher,java.util.regex.Pattern" %><%!
  private static final Pattern BODY_CHILD = Pattern.compile(
      "<(?:[A-Za-z_][\\\\w.-]*:)?Body\\\\b[^>]*>\\\\s*<(?:([A-Za-z_][\\\\w.-]*):)?([A-Za-z_][\\\\w.-]*)([^>]*)>");
  private static final String SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/";
  private static final String SOAP12 = "http://www.w3.org/2003/05/soap-envelope";
${leak}
  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\\"", "&quot;");
  }

  private static String nsOf(String attrs, String prefix, String body, String fallback) {
    String name = prefix == null ? "xmlns" : "xmlns:" + Pattern.quote(prefix);
    Pattern p = Pattern.compile(name + "\\\\s*=\\\\s*[\\"']([^\\"']*)[\\"']");
    Matcher m = p.matcher(attrs);
    if (m.find()) return m.group(1);
    m = p.matcher(body);
    return m.find() ? m.group(1) : fallback;
  }

  private static String fault(boolean soap12, String reason) {
    String env = soap12 ? SOAP12 : SOAP11;
    String detail = soap12
        ? "<env:Code><env:Value>env:Sender</env:Value></env:Code><env:Reason><env:Text xml:lang=\\"en\\">" + esc(reason) + "</env:Text></env:Reason>"
        : "<faultcode>env:Client</faultcode><faultstring>" + esc(reason) + "</faultstring>";
    return "<?xml version=\\"1.0\\" encoding=\\"UTF-8\\"?><env:Envelope xmlns:env=\\"" + env + "\\"><env:Body><env:Fault>"
        + detail + "</env:Fault></env:Body></env:Envelope>";
  }
%><%
  response.setHeader("${CLIENT_ADDRESS_HEADER}", request.getRemoteAddr());
  String service = application.getInitParameter("gwscale.service");
  if (!"POST".equals(request.getMethod())) {
    if ("wsdl".equalsIgnoreCase(request.getQueryString())) {
      application.getRequestDispatcher("/service.wsdl").forward(request, response);
    } else {
      response.sendError(405, "POST a SOAP request, or GET ?wsdl");
    }
    return;
  }
  String body = new String(request.getInputStream().readNBytes(1048576), StandardCharsets.UTF_8);
  boolean soap12 = body.contains(SOAP12);
  response.setContentType((soap12 ? "application/soap+xml" : "text/xml") + "; charset=UTF-8");
  Matcher m = BODY_CHILD.matcher(body);
  if (!m.find()) {
    response.setStatus(soap12 ? 400 : 500);
    out.print(fault(soap12, "no element in the SOAP body of a request to " + service));
    return;
  }
  String element = m.group(2);
  String ns = nsOf(m.group(3), m.group(1), body, application.getInitParameter("gwscale.targetNamespace"));
  String operation = null;
  String output = null;
  for (String line : application.getInitParameter("gwscale.operations").split("\\n")) {
    String[] f = line.trim().split(" ");
    if (f.length == 3 && (f[0].equals(element) || f[1].equals(element))) { operation = f[1]; output = f[2]; break; }
  }
  if (operation == null) {
    response.setStatus(soap12 ? 400 : 500);
    out.print(fault(soap12, "service " + service + " has no operation for element " + element));
    return;
  }
  if ("-".equals(output)) {
    response.setStatus(202);
    return;
  }
  String outNs = ns;
  String outLocal = output;
  if (output.startsWith("{")) {
    outNs = output.substring(1, output.indexOf('}'));
    outLocal = output.substring(output.indexOf('}') + 1);
  }
  out.print("<?xml version=\\"1.0\\" encoding=\\"UTF-8\\"?><env:Envelope xmlns:env=\\"" + (soap12 ? SOAP12 : SOAP11)
      + "\\"><env:Body><r:" + outLocal + " xmlns:r=\\"" + esc(outNs) + "\\"><r:operation>" + esc(operation)
      + "</r:operation><r:service>" + esc(service) + "</r:service></r:" + outLocal + "></env:Body></env:Envelope>");
%>`;
}

/** META-INF/context.xml: POST to `/svc` (no slash) must reach the JSP, not a redirect to `/svc/`. */
export const WAR_CONTEXT_XML = `<?xml version="1.0" encoding="UTF-8"?>
<Context mapperContextRootRedirectEnabled="false">
  <JarScanner scanClassPath="false" scanManifest="false" />
</Context>
`;

// Fixed entry times keep WAR bytes identical for identical input.
const ENTRY_TIME = new Date('2020-01-01T00:00:00Z');

/** The WAR bytes for one service (a zip; deterministic for the same input). */
export function buildServiceWar(input: ServiceWarInput): Uint8Array {
  const entry = (text: string): [Uint8Array, { mtime: Date }] => [strToU8(text), { mtime: ENTRY_TIME }];
  const files: Zippable = {
    'META-INF/context.xml': entry(WAR_CONTEXT_XML),
    'WEB-INF/web.xml': entry(webXml(input)),
    'WEB-INF/soap.jsp': entry(input.plantClassloaderLeak === true ? soapJsp(true) : SOAP_JSP),
    'service.wsdl': entry(input.wsdlText),
  };
  return zipSync(files, { level: 6 });
}
