// FireHOL's vocabulary for grammar.js, generated from lang/src/syntax/keywords.rs by
// lang/tests/vocabulary.rs: do not edit. Regenerate with
// `UPDATE_VOCAB=1 cargo test -p fhc-lang --test vocabulary`.

/** Every FireHOL command (keywords.rs COMMANDS), in its order. */
const COMMANDS = [
  'version', 'interface', 'router', 'group', 'policy', 'protection', 'server', 'client', 'route',
  'synproxy', 'dnat', 'snat', 'redirect', 'nat', 'masquerade', 'transparent_proxy',
  'transparent_squid', 'tproxy', 'action', 'mark', 'connmark', 'custommark', 'classify', 'tos',
  'dscp', 'tosfix', 'tcpmss', 'blacklist', 'iptrap', 'ipuntrap', 'ipset', 'mac', 'cthelper', 'log',
  'loglimit', 'iptables', 'ip6tables', 'docker_bridge', 'markdef', 'marksreset',
  'require_kernel_module', 'postprocess', 'ecn_shame',
];

/** The commands that also exist as NAME4, NAME6 and NAME46. */
const SUFFIXED = [
  'interface', 'router', 'group', 'server', 'client', 'route', 'synproxy', 'dnat', 'snat',
  'redirect', 'nat', 'masquerade', 'transparent_proxy', 'transparent_squid', 'tproxy', 'action',
  'mark', 'connmark', 'custommark', 'classify', 'tos', 'dscp', 'tosfix', 'tcpmss', 'blacklist',
  'iptrap', 'ipuntrap', 'ipset', 'mac', 'cthelper', 'log', 'loglimit',
];

/** Optional rule parameters (keywords.rs PARAMS, every spelling), any case. */
const PARAMS = [
  'src', 'src4', 'src6', 'dst', 'dst4', 'dst6', 'srctype', 'dsttype', 'inface', 'outface', 'physin',
  'physout', 'proto', 'protocol', 'sport', 'dport', 'mac', 'mark', 'connmark', 'custommark',
  'rawmark', 'tos', 'dscp', 'state', 'uid', 'user', 'gid', 'group', 'custom', 'custom-in',
  'customin', 'custom-out', 'customout', 'helper', 'log', 'loglimit', 'connlog', 'limit',
  'connlimit', 'iplimit', 'hashlimit', 'acct', 'accounting', 'ipset', 'action', 'reverse',
  'noowner', 'nolog', 'softwarnings', 'nosoftwarnings', 'insert', 'insert_at', 'table', 'chain',
  'in', 'out', 'optimal', 'accurate', 'return_if_not_matched', 'or', 'set_work_inface',
  'set_work_outface', 'push_flow_inheritance',
];

/** Built-in actions (keywords.rs ACTIONS), case-insensitive. */
const ACTIONS = [
  'accept', 'reject', 'drop', 'deny', 'return', 'tarpit', 'mirror', 'none',
];

module.exports = { COMMANDS, SUFFIXED, PARAMS, ACTIONS };
