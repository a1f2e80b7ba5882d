#!/usr/bin/env bash
# `make e2e-kind`: a kind cluster, the agent image loaded into it, the manifests applied, then a
# real `kubectl debug --target=app` session checked with `nsinspect diff`. Needs docker, kind, kubectl.
# Not run on the project's own machines (no container engine there). KEEP=1 keeps the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-nsinspect:e2e}
CLUSTER=${CLUSTER:-nsinspect-e2e}
for tool in docker kind kubectl; do
  command -v "$tool" >/dev/null || { echo "e2e-kind: $tool is missing" >&2; exit 1; }
done
ctx=kind-$CLUSTER
k() { kubectl --context "$ctx" "$@"; }

make image IMAGE="$IMAGE"
kind get clusters | grep -qx "$CLUSTER" || kind create cluster --name "$CLUSTER" --wait 120s
[ "${KEEP:-}" = 1 ] || trap 'kind delete cluster --name "$CLUSTER"' EXIT
kind load docker-image "$IMAGE" --name "$CLUSTER"

# The manifests as shipped, with the image just built.
kubectl kustomize manifests/ | sed "s#image: ghcr.io/nsinspect/nsinspect:.*#image: $IMAGE#" | k apply -f -
k -n nsinspect-system rollout status daemonset/nsinspect-agent --timeout=180s

# The walkthrough of the README: a pod with a container "app", a debugger targeting it.
k apply -f - <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: default
spec:
  containers:
    - name: app
      image: busybox:1.36
      command: ["sleep", "3600"]
YAML
k wait --for=condition=Ready pod/web --timeout=120s
k debug web --image=busybox:1.36 --target=app -c debugger -- sleep 3600
for _ in $(seq 60); do
  state=$(k get pod web -o jsonpath='{.status.ephemeralContainerStatuses[?(@.name=="debugger")].state.running.startedAt}')
  [ -n "$state" ] && break
  sleep 2
done
[ -n "$state" ] || { echo "e2e-kind: the debugger never ran" >&2; exit 1; }

# kind's admin user signs in with a client certificate; the agent needs a bearer token.
k create serviceaccount e2e-user --dry-run=client -o yaml | k apply -f -
k create clusterrolebinding e2e-user-nsinspect --clusterrole=nsinspect-viewer --serviceaccount=default:e2e-user --dry-run=client -o yaml | k apply -f -
k create rolebinding e2e-user-nsinspect-agent -n nsinspect-system --role=nsinspect-agent-access --serviceaccount=default:e2e-user --dry-run=client -o yaml | k apply -f -
token=$(k create token e2e-user)

out=$(node dist/cli/main.js --context "$ctx" --token "$token" -n default diff web debugger --expect-shared pid,net,ipc,uts)
echo "$out"
grep -q 'shares app' <<< "$out" || { echo "e2e-kind: the debugger does not share app's pid namespace" >&2; exit 1; }
node dist/cli/main.js --context "$ctx" --token "$token" -n default ns web
echo "e2e-kind: passed"
