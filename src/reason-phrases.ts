/**
 * The reason phrase of every 4xx and 5xx status with one: RFC 9110 §15.5 and §15.6, and the
 * IANA HTTP Status Code Registry for the statuses other RFCs define. Node's `STATUS_CODES` keeps
 * older phrases (`Payload Too Large`, `Unprocessable Entity`, `I'm a Teapot`): RFC 9457 asks the
 * `title` of an `about:blank` problem to be the status's phrase, so this table, not Node's, names them.
 */
const phrases: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  // 418 is "(Unused)" in RFC 9110 §15.5.19: no phrase, so the class's.
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  423: 'Locked', // RFC 4918
  424: 'Failed Dependency', // RFC 4918
  425: 'Too Early', // RFC 8470
  426: 'Upgrade Required',
  428: 'Precondition Required', // RFC 6585
  429: 'Too Many Requests', // RFC 6585
  431: 'Request Header Fields Too Large', // RFC 6585
  451: 'Unavailable For Legal Reasons', // RFC 7725
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
  506: 'Variant Also Negotiates', // RFC 2295
  507: 'Insufficient Storage', // RFC 4918
  508: 'Loop Detected', // RFC 5842
  510: 'Not Extended', // RFC 2774 (obsoleted, still registered)
  511: 'Network Authentication Required' // RFC 6585
}

/** The registered reason phrase of `status`, or undefined for a status without one (499, 418). */
export function registeredPhrase (status: number): string | undefined {
  return phrases[status]
}

/**
 * The reason phrase of error status `status` (4xx or 5xx: every error answer's, see src/catalog.ts)
 * as RFC 9110 and the IANA registry give it; for a status without one, its class's name
 * (RFC 9110 §15: `Client Error`, `Server Error`).
 */
export function reasonPhrase (status: number): string {
  return phrases[status] ?? (status >= 500 ? 'Server Error' : 'Client Error')
}
