/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/cli/cluster.test.ts > TAP > diff, ns, ps, whois and ephemeral through an agent > diff json 1`] = `
{"pod":{"namespace":"shop","name":"web","uid":"<uid>"},"targetContainer":"app","debuggerContainer":"debugger","target":{"ref":"shop/web/app","pid":<pid>,"containerID":"<id>","podUID":"<uid>"},"debugger":{"ref":"shop/web/debugger","pid":<pid>,"containerID":"<id>","podUID":"<uid>"},"namespaces":[{"type":"cgroup","target":<ino>,"debugger":<ino>,"shared":false,"with":"private"},{"type":"ipc","target":<ino>,"debugger":<ino>,"shared":true,"with":"sandbox"},{"type":"mnt","target":<ino>,"debugger":<ino>,"shared":false,"with":"private"},{"type":"net","target":<ino>,"debugger":<ino>,"shared":true,"with":"sandbox"},{"type":"pid","target":<ino>,"debugger":<ino>,"shared":true,"with":"target"},{"type":"time","target":<ino>,"debugger":<ino>,"shared":true,"with":"host"},{"type":"user","target":<ino>,"debugger":<ino>,"shared":true,"with":"host"},{"type":"uts","target":<ino>,"debugger":<ino>,"shared":true,"with":"sandbox"}],"shared":["ipc","net","pid","time","user","uts"],"notShared":["cgroup","mnt"],"findings":[{"code":"TARGET_PID_SHARED","message":"debugger shares app's pid namespace, as kubectl debug --target does: it sees app's processes"},{"code":"MNT_PRIVATE","message":"mnt is private, as expected: from debugger, reach app's files at /proc/<pid>/root (from the host: /proc/<pid>/root)"}],"access":[{"op":"see-processes","allowed":"yes","reason":"every check passes; pid namespace: the debugger is in the target's pid namespace"},{"op":"signal","allowed":"yes","reason":"every check passes; uid match (kill_ok_by_cred): the debugger's uid/euid 0/0 match the target's uid/suid 0/0"},{"op":"ptrace","allowed":"unknown","reason":"dumpable: whether the target is dumpable cannot be told (its euid/egid are its namespace's root); CAP_SYS_PTRACE is not in the debugger's effective set (same user namespace as the target)","blockedBy":"NOT_DUMPABLE","fix":"--profile=general (adds SYS_PTRACE) (if admitted: the namespace \\"shop\\"'s Pod Security level is unknown, the namespace was not found (HTTP 404); baseline and restricted forbid adding SYS_PTRACE (only the runtime's default capabilities may be added))","podSecurity":{"level":"unknown","allowed":"unknown","reason":"the namespace \\"shop\\"'s Pod Security level is unknown: the namespace was not found (HTTP 404)"}},{"op":"read-root","allowed":"unknown","reason":"dumpable: whether the target is dumpable cannot be told (its euid/egid are its namespace's root); CAP_SYS_PTRACE is not in the debugger's effective set (same user namespace as the target)","blockedBy":"NOT_DUMPABLE","fix":"--profile=general (adds SYS_PTRACE) (if admitted: the namespace \\"shop\\"'s Pod Security level is unknown, the namespace was not found (HTTP 404); baseline and restricted forbid adding SYS_PTRACE (only the runtime's default capabilities may be added))","podSecurity":{"level":"unknown","allowed":"unknown","reason":"the namespace \\"shop\\"'s Pod Security level is unknown: the namespace was not found (HTTP 404)"}},{"op":"read-environ","allowed":"unknown","reason":"dumpable: whether the target is dumpable cannot be told (its euid/egid are its namespace's root); CAP_SYS_PTRACE is not in the debugger's effective set (same user namespace as the target)","blockedBy":"NOT_DUMPABLE","fix":"--profile=general (adds SYS_PTRACE) (if admitted: the namespace \\"shop\\"'s Pod Security level is unknown, the namespace was not found (HTTP 404); baseline and restricted forbid adding SYS_PTRACE (only the runtime's default capabilities may be added))","podSecurity":{"level":"unknown","allowed":"unknown","reason":"the namespace \\"shop\\"'s Pod Security level is unknown: the namespace was not found (HTTP 404)"}},{"op":"capture-packets","allowed":"no","reason":"CAP_NET_RAW: CAP_NET_RAW is not in the debugger's effective set (same user namespace as the target) (the owner of the target's net namespace is taken to be its user namespace)","blockedBy":"NO_CAP_NET_RAW","fix":"--profile=netadmin (adds NET_ADMIN and NET_RAW) (if admitted: the namespace \\"shop\\"'s Pod Security level is unknown, the namespace was not found (HTTP 404); baseline and restricted forbid adding NET_ADMIN and NET_RAW (only the runtime's default capabilities may be added))","podSecurity":{"level":"unknown","allowed":"unknown","reason":"the namespace \\"shop\\"'s Pod Security level is unknown: the namespace was not found (HTTP 404)"}}],"layers":[{"side":"target","type":"cgroup","spec":null,"told":null,"kernel":"private","kernelInode":<ino>,"agree":true,"broke":[]},{"side":"target","type":"ipc","spec":"sandbox","told":null,"kernel":"sandbox","kernelInode":<ino>,"agree":true,"broke":[]},{"side":"target","type":"mnt","spec":"private","told":null,"kernel":"private","kernelInode":<ino>,"agree":true,"broke":[]},{"side":"target","type":"net","spec":"sandbox","told":null,"kernel":"sandbox","kernelInode":<ino>,"agree":true,"broke":[]},{"side":"target","type":"pid","spec":"private","told":null,"kernel":"private","kernelInode":<ino>,"agree":true,"broke":[]},{"side":"target","type":"time","spec":"host","told":null,"kernel":"host","kernelInode":<ino>,"agree":true,"broke":[]},{"side":"target","type":"user","spec":"host","told":null,"kernel":"host","kernelInode":<ino>,"agree":true,"broke":[]},{"side":"target","type":"uts","spec":"sandbox","told":null,"kernel":"sandbox","kernelInode":<ino>,"agree":true,"broke":[]},{"side":"debugger","type":"cgroup","spec":null,"told":null,"kernel":"private","kernelInode":<ino>,"agree":true,"broke":[]},{"side":"debugger","type":"ipc","spec":"sandbox","told":null,"kernel":"sandbox","kernelInode":<ino>,"agree":true,"broke":[]},{"side":"debugger","type":"mnt","spec":"private","told":null,"kernel":"private","kernelInode":<ino>,"agree":true,"broke":[]},{"side":"debugger","type":"net","spec":"sandbox","told":null,"kernel":"sandbox","kernelInode":<ino>,"agree":true,"broke":[]},{"side":"debugger","type":"pid","spec":"target","told":null,"kernel":"target","kernelInode":<ino>,"agree":true,"broke":[]},{"side":"debugger","type":"time","spec":"host","told":null,"kernel":"host","kernelInode":<ino>,"agree":true,"broke":[]},{"side":"debugger","type":"user","spec":"host","told":null,"kernel":"host","kernelInode":<ino>,"agree":true,"broke":[]},{"side":"debugger","type":"uts","spec":"sandbox","told":null,"kernel":"sandbox","kernelInode":<ino>,"agree":true,"broke":[]}],"mismatches":[]}
`

exports[`test/cli/cluster.test.ts > TAP > diff, ns, ps, whois and ephemeral through an agent > diff table 1`] = `
pod shop/web: debugger debugger against target app
target:  shop/web/app  pid <pid>  container <id12>  pod <uid>
debugger:  shop/web/debugger  pid <pid>  container <id12>  pod <uid>

TYPE  TARGET  DEBUGGER  SHARED  WITH
cgroup  <ino>  <ino>  no  private
ipc  <ino>  <ino>  yes  sandbox
mnt  <ino>  <ino>  no  private
net  <ino>  <ino>  yes  sandbox
pid  <ino>  <ino>  yes  target
time  <ino>  <ino>  yes  host
user  <ino>  <ino>  yes  host
uts  <ino>  <ino>  yes  sandbox

shared:  ipc, net, pid, time, user, uts
not shared: cgroup, mnt

* debugger shares app's pid namespace, as kubectl debug --target does: it sees app's processes
* mnt is private, as expected: from debugger, reach app's files at /proc/<pid>/root (from the host: /proc/<pid>/root)

what the debugger can do:
  see-processes  yes
  signal  yes
  ptrace  unknown (NOT_DUMPABLE)
  read-root  unknown (NOT_DUMPABLE)
  read-environ  unknown (NOT_DUMPABLE)
  capture-packets  no (NO_CAP_NET_RAW)
  (why, and the kubectl debug that would work: nsinspect access)
`

exports[`test/cli/cluster.test.ts > TAP > diff, ns, ps, whois and ephemeral through an agent > ns table 1`] = `
pod shop/web  uid <uid>  node node-a

CONTAINER  KIND  PID  cgroup  ipc  mnt  net  pid  time  user  uts
(sandbox)  sandbox  <n>  A  A  A  A  A  H  H  A
app  app  <n>  B  A  B  A  B  H  H  A
debugger → app  ephemeral  <n>  C  A  C  A  B  H  H  A
debugger-notarget  ephemeral  <n>  D  A  D  A  C  H  H  A

same letter: same namespace; H: the host's

debugger → app: ?P?R
!P, !R: the debugger cannot ptrace (P) or read the root (R) of its target;
?P, ?R: cannot tell. \`nsinspect access POD DEBUGGER\` says why
`
