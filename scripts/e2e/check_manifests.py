#!/usr/bin/env python3
"""Checks that the deployment files agree with the asgi-demo binary they run:
deploy/kubernetes/*.yaml, compose.yaml and deploy/nginx.conf against `asgi-demo --help` and a
running asgi-demo started with the manifests' own arguments and environment.

    check_manifests.py --binary PATH [--redis-url URL] [--self-test]

  * every flag in the container args / compose command exists in --help; no --workers in a pod;
  * the Deployment's --host is 0.0.0.0 and its --port the containerPort, which the Service, the
    probes and (in compose) nginx's upstream servers point at;
  * every environment variable is one asgi-demo reads (REDIS_URL, FORWARDED_ALLOW_IPS,
    WEB_CONCURRENCY, SWIFTASGI_<FLAG> of an existing flag); REDIS_URL names redis.yaml's Service;
  * terminationGracePeriodSeconds > preStop sleep + --timeout-graceful-shutdown (from the args, or
    the default --help states), compose's stop_grace_period > that timeout;
  * selectors match pod labels; the HPA (autoscaling/v2, CPU) targets the Deployment, which has a
    CPU request;
  * run with the Deployment's args and env (host and port overridden to a loopback port 0, REDIS_URL
    to the given Redis): the liveness path answers 200, the readiness path 200 "ready"; with Redis
    unreachable readiness is 503 and liveness still 200; SIGTERM → exit 0. The same for compose's app.
  * --self-test: each of a set of broken copies of the manifests must make its check fail.

REDIS_URL (or --redis-url) is a running Redis. Needs PyYAML (the test venv). Prints PASS/FAIL lines;
exits 1 on any FAIL.
"""
import argparse, copy, glob, http.client, os, re, signal, socket, subprocess, sys, threading, time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failures = []


def report(name, ok, detail=""):
    if not ok:
        failures.append(name)
    print(f"{'PASS' if ok else 'FAIL'}: {name}" + (f" — {detail}" if detail != "" else ""), flush=True)
    return ok


# --- reading -------------------------------------------------------------------------------------

def load_all():
    kube = []
    for path in sorted(glob.glob(os.path.join(ROOT, "deploy", "kubernetes", "*.yaml"))):
        with open(path) as f:
            kube += [(os.path.basename(path), doc) for doc in yaml.safe_load_all(f) if doc]
    with open(os.path.join(ROOT, "compose.yaml")) as f:
        compose = yaml.safe_load(f)
    with open(os.path.join(ROOT, "deploy", "nginx.conf")) as f:
        nginx = f.read()
    return kube, compose, nginx


def help_facts(help_text):
    flags = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", help_text))
    match = re.search(r"--timeout-graceful-shutdown <seconds>((?:(?!\n  -).)*?)\(default: ([\d.]+)\)", help_text, re.S)
    return flags, float(match.group(2)) if match else None


def parse_args(args):
    """['--host', '0.0.0.0', '--flag', ...] -> ({'--host': '0.0.0.0', '--flag': None}, [unparsed])."""
    options, stray, i = {}, [], 0
    while i < len(args):
        arg = str(args[i])
        if not arg.startswith("--"):
            stray.append(arg)
            i += 1
            continue
        name, eq, value = arg.partition("=")
        if eq:
            options[name] = value
        elif i + 1 < len(args) and not str(args[i + 1]).startswith("--"):
            options[name] = str(args[i + 1])
            i += 1
        else:
            options[name] = None
        i += 1
    return options, stray


def seconds(text):
    """compose durations: 35s, 1m30s, 90."""
    if isinstance(text, (int, float)):
        return float(text)
    total, found = 0.0, False
    for amount, unit in re.findall(r"([\d.]+)(ms|h|m|s)?", str(text)):
        found = True
        total += float(amount) * {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "": 1}[unit or ""]
    return total if found else None


def env_ok(name, flags, help_text):
    if name.startswith("SWIFTASGI_"):
        return "--" + name[len("SWIFTASGI_"):].lower().replace("_", "-") in flags
    return name in ("REDIS_URL", "FORWARDED_ALLOW_IPS", "WEB_CONCURRENCY") and name in help_text


def labels_match(selector, labels):
    return bool(selector) and all((labels or {}).get(k) == v for k, v in selector.items())


def one(kube, kind, name=None):
    found = [doc for _, doc in kube if doc.get("kind") == kind and (name is None or doc["metadata"]["name"] == name)]
    return found[0] if len(found) == 1 else None


def nginx_facts(text):
    upstreams = re.findall(r"^\s*server\s+([\w.-]+):(\d+)\b", text, re.M)
    listen = re.findall(r"^\s*listen\s+(?:[\w.]+:)?(\d+)\s*;", text, re.M)
    return upstreams, listen


# --- static checks: (name, ok, detail) for the parsed files --------------------------------------

def static_checks(kube, compose, nginx, help_text):
    flags, default_grace = help_facts(help_text)
    out = [("--help states the --timeout-graceful-shutdown default", default_grace is not None, default_grace)]
    add = lambda name, ok, detail="": out.append((name, bool(ok), detail))

    deploy = one(kube, "Deployment")
    add("exactly one Deployment under deploy/kubernetes", deploy is not None)
    if deploy is None:
        return out
    pod = deploy["spec"]["template"]["spec"]
    pod_labels = deploy["spec"]["template"]["metadata"].get("labels", {})
    add("Deployment selector matches its pod labels", labels_match(deploy["spec"]["selector"].get("matchLabels"), pod_labels),
        deploy["spec"]["selector"])
    containers = pod["containers"]
    add("one container per pod", len(containers) == 1, len(containers))
    c = containers[0]
    options, stray = parse_args(c.get("args", []))
    unknown = sorted(set(options) - flags)
    add("every flag in the container args exists in asgi-demo --help", not unknown and not stray, f"unknown {unknown}, stray {stray}")
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    add("no --workers / WEB_CONCURRENCY: one worker per pod", "--workers" not in options and "WEB_CONCURRENCY" not in env)
    add("--host 0.0.0.0 (probes and the Service reach the pod's address)", options.get("--host") == "0.0.0.0", options.get("--host"))
    ports = c.get("ports", [])
    port = str(ports[0]["containerPort"]) if len(ports) == 1 else None
    add("the containerPort equals --port", port is not None and options.get("--port") == port, f"{port} vs {options.get('--port')}")
    named = {p.get("name"): str(p["containerPort"]) for p in ports}
    resolve = lambda ref: named.get(ref, str(ref)) if ref is not None else None
    bad_env = sorted(n for n in env if not env_ok(n, flags, help_text))
    add("every container env variable is one asgi-demo reads", not bad_env, bad_env)

    for probe, path in [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")]:
        get = (c.get(probe) or {}).get("httpGet") or {}
        add(f"{probe} is GET {path} on the container port", get.get("path") == path and resolve(get.get("port")) == port,
            f"{get.get('path')} port {get.get('port')}")
    hook = ((c.get("lifecycle") or {}).get("preStop")) or {}
    command = (hook.get("exec") or {}).get("command") or []
    sleep = None
    if "sleep" in hook:
        sleep = float(hook["sleep"]["seconds"])
    elif len(command) == 2 and os.path.basename(str(command[0])) == "sleep":
        sleep = float(command[1])
    add("preStop hook sleeps (endpoints drain before SIGTERM)", sleep is not None and sleep > 0, hook)
    grace_text = options.get("--timeout-graceful-shutdown") or env.get("SWIFTASGI_TIMEOUT_GRACEFUL_SHUTDOWN")
    grace = float(grace_text) if grace_text is not None else default_grace
    period = pod.get("terminationGracePeriodSeconds")
    add("terminationGracePeriodSeconds > preStop sleep + --timeout-graceful-shutdown",
        None not in (sleep, grace, period) and period > sleep + grace, f"{period} vs {sleep} + {grace}")
    resources = c.get("resources") or {}
    add("CPU request (the HPA's reference) and memory limit set",
        (resources.get("requests") or {}).get("cpu") and (resources.get("limits") or {}).get("memory"), resources)

    service = one(kube, "Service", deploy["metadata"]["name"])
    add("a Service named like the Deployment selects its pods and targets the container port",
        service is not None and labels_match(service["spec"].get("selector"), pod_labels)
        and all(resolve(p.get("targetPort", p["port"])) == port for p in service["spec"]["ports"]),
        service and service["spec"])
    hpa = one(kube, "HorizontalPodAutoscaler")
    target = (hpa or {}).get("spec", {}).get("scaleTargetRef", {})
    metrics = (hpa or {}).get("spec", {}).get("metrics", [])
    add("HPA autoscaling/v2 scales the Deployment on CPU",
        hpa is not None and hpa["apiVersion"] == "autoscaling/v2" and target.get("kind") == "Deployment"
        and target.get("name") == deploy["metadata"]["name"]
        and any(m.get("type") == "Resource" and m["resource"]["name"] == "cpu" for m in metrics)
        and 1 <= hpa["spec"].get("minReplicas", 1) <= hpa["spec"]["maxReplicas"], hpa and hpa["spec"])
    for pdb in [doc for _, doc in kube if doc.get("kind") == "PodDisruptionBudget"]:
        add("PodDisruptionBudget selects the Deployment's pods", labels_match(pdb["spec"]["selector"].get("matchLabels"), pod_labels))

    url = re.fullmatch(r"redis://(?:[^@/]*@)?([\w.-]+)(?::(\d+))?(/\d+)?", env.get("REDIS_URL") or "")
    add("REDIS_URL is set in the container env", url is not None, env.get("REDIS_URL"))
    if url:
        host, rport = url.group(1), url.group(2) or "6379"
        redis_service = one(kube, "Service", host.split(".")[0])
        stateful = one(kube, "StatefulSet")
        rc = stateful["spec"]["template"]["spec"]["containers"][0] if stateful else {}
        rnamed = {p.get("name"): str(p["containerPort"]) for p in rc.get("ports", [])}
        add("REDIS_URL's host is the headless Service of the Redis StatefulSet, on its port",
            redis_service is not None and stateful is not None
            and redis_service["spec"].get("clusterIP") == "None"
            and stateful["spec"].get("serviceName") == redis_service["metadata"]["name"]
            and labels_match(redis_service["spec"].get("selector"), stateful["spec"]["template"]["metadata"].get("labels"))
            and any(str(p["port"]) == rport and rnamed.get(p.get("targetPort"), str(p.get("targetPort", p["port"])))
                    in rnamed.values() for p in redis_service["spec"]["ports"]),
            f"host {host} port {rport}")

    # compose.yaml: the app services (those running the swiftasgi image) and nginx in front.
    services = compose.get("services", {})
    apps = {name: s for name, s in services.items() if "swiftasgi" in str(s.get("image", ""))}
    add("compose.yaml has two app replicas", len(apps) >= 2, sorted(apps))
    app_ports = set()
    for name, s in apps.items():
        options, stray = parse_args(s.get("command", []))
        unknown = sorted(set(options) - flags)
        add(f"compose {name}: every flag in its command exists in --help", not unknown and not stray, f"unknown {unknown}, stray {stray}")
        env = s.get("environment") or {}
        env = dict(e.split("=", 1) for e in env) if isinstance(env, list) else env
        bad_env = sorted(n for n in env if not env_ok(n, flags, help_text))
        add(f"compose {name}: every environment variable is one asgi-demo reads", not bad_env, bad_env)
        grace_text = options.get("--timeout-graceful-shutdown") or env.get("SWIFTASGI_TIMEOUT_GRACEFUL_SHUTDOWN")
        grace = float(grace_text) if grace_text is not None else default_grace
        stop = seconds(s.get("stop_grace_period", "10s"))
        add(f"compose {name}: stop_grace_period > --timeout-graceful-shutdown", grace is not None and stop > grace, f"{stop} vs {grace}")
        add(f"compose {name}: --host 0.0.0.0", options.get("--host") == "0.0.0.0", options.get("--host"))
        app_ports.add((name, options.get("--port") or "6000"))
    upstreams, listen = nginx_facts(nginx)
    add("deploy/nginx.conf's upstream servers are the compose app services on their --port",
        sorted(upstreams) == sorted(app_ports), f"nginx {sorted(upstreams)}, compose {sorted(app_ports)}")
    front = [s for s in services.values() if str(s.get("image", "")).startswith("nginx")]
    mounted = front and any(str(v).split(":")[:2] == ["./deploy/nginx.conf", "/etc/nginx/nginx.conf"]
                            for v in front[0].get("volumes", []))
    published = [str(p).rsplit(":", 1)[-1] for p in (front[0].get("ports", []) if front else [])]
    add("compose nginx mounts deploy/nginx.conf and publishes its listen port",
        bool(mounted) and len(listen) == 1 and listen[0] in published, f"listen {listen}, published {published}")
    return out


def self_test(kube, compose, nginx, help_text):
    """Each mutation must turn at least one check to FAIL (and the unmutated files pass)."""
    def first(docs, kind):
        return next(doc for _, doc in docs if doc.get("kind") == kind)

    def container(docs):
        return first(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]

    def set_arg(docs, flag, value):
        args = container(docs)["args"]
        if flag in args:
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]

    mutations = {
        "containerPort 6001": lambda k, c, n: container(k)["ports"][0].update(containerPort=6001),
        "an unknown flag": lambda k, c, n: container(k)["args"].append("--no-such-flag"),
        "--workers 2": lambda k, c, n: set_arg(k, "--workers", "2"),
        "readiness on /ready": lambda k, c, n: container(k)["readinessProbe"]["httpGet"].update(path="/ready"),
        "grace period 30": lambda k, c, n: first(k, "Deployment")["spec"]["template"]["spec"].update(terminationGracePeriodSeconds=30),
        "graceful timeout 40": lambda k, c, n: set_arg(k, "--timeout-graceful-shutdown", "40"),
        "no preStop": lambda k, c, n: container(k).pop("lifecycle"),
        "HPA v1": lambda k, c, n: first(k, "HorizontalPodAutoscaler").update(apiVersion="autoscaling/v1"),
        "Service selects other pods": lambda k, c, n: one(k, "Service", "asgi-demo")["spec"].update(selector={"app": "x"}),
        "Service targets port 8000": lambda k, c, n: one(k, "Service", "asgi-demo")["spec"]["ports"][0].update(targetPort=8000),
        "liveness on port 8000": lambda k, c, n: container(k)["livenessProbe"]["httpGet"].update(port=8000),
        "redis headless Service with a clusterIP": lambda k, c, n: one(k, "Service", "redis")["spec"].update(clusterIP="10.0.0.1"),
        "REDIS_URL to another host": lambda k, c, n: container(k)["env"][0].update(value="redis://cache:6379"),
        "compose stop_grace_period 10s": lambda k, c, n: c["services"]["app1"].update(stop_grace_period="10s"),
        "compose --port 7000": lambda k, c, n: c["services"]["app2"].update(command=["--host", "0.0.0.0", "--port", "7000"]),
        "an env variable asgi-demo does not read": lambda k, c, n: c["services"]["app1"]["environment"].update(SWIFTASGI_NOPE="1"),
    }
    baseline = [name for name, ok, _ in static_checks(kube, compose, nginx, help_text) if not ok]
    report("self-test: the files as they are pass every static check", not baseline, baseline)
    for label, mutate in mutations.items():
        k, c = copy.deepcopy(kube), copy.deepcopy(compose)
        try:
            mutate(k, c, nginx)
            caught = [name for name, ok, _ in static_checks(k, c, nginx, help_text) if not ok]
        except (KeyError, IndexError, StopIteration, TypeError) as error:
            report(f"self-test: mutation '{label}' applies", False, repr(error))
            continue
        report(f"self-test: '{label}' is caught", bool(caught), caught[:2])
    for label, text in [("nginx upstream port 6001", nginx.replace("app1:6000", "app1:6001")),
                        ("nginx listen 8081", re.sub(r"listen\s+8080;", "listen 8081;", nginx))]:
        caught = [name for name, ok, _ in static_checks(kube, compose, text, help_text) if not ok]
        report(f"self-test: '{label}' is caught", text != nginx and bool(caught), caught[:2])


# --- running the binary with the manifests' own arguments ----------------------------------------

def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace").strip()
    finally:
        conn.close()


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_as(label, binary, args, env, redis_url, checks):
    """Starts `binary args --host 127.0.0.1 --port 0` with `env` (REDIS_URL := redis_url), runs
    `checks(port)` → [(name, ok, detail)], then SIGTERM; every check and the exit 0 are reported."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SWIFTASGI_") and k != "REDIS_URL"}
    environment.update({k: str(v) for k, v in env.items()}, REDIS_URL=redis_url)
    argv = [binary] + [str(a) for a in args] + ["--host", "127.0.0.1", "--port", "0"]
    proc = subprocess.Popen(argv, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, errors="replace")
    lines, port, deadline = [], None, time.monotonic() + 30
    try:
        while time.monotonic() < deadline and port is None:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            match = re.search(r"running on http://[^ ]*:(\d+) \(Press CTRL\+C to quit\)", line)
            port = int(match.group(1)) if match else None
        if not report(f"{label}: asgi-demo starts with these args and env", port is not None,
                      "" if port else "".join(lines[-5:]).strip()):
            return
        threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep its log from blocking it
        for name, ok, detail in checks(port):
            report(f"{label}: {name}", ok, detail)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(40)
        report(f"{label}: SIGTERM → exit 0", code == 0, f"exit {code}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


def runtime_checks(binary, kube, compose, redis_url):
    deploy = one(kube, "Deployment")
    c = deploy["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in c.get("env", []) if "value" in e}
    ready, live = c["readinessProbe"]["httpGet"]["path"], c["livenessProbe"]["httpGet"]["path"]

    def up(port):
        r, l = get(port, ready), get(port, live)
        return [(f"readinessProbe {ready} → 200 ready with Redis up", r == (200, "ready"), r),
                (f"livenessProbe {live} → 200 with Redis up", l[0] == 200, l)]

    def down(port):
        r, l = (0, ""), (0, "")
        for _ in range(20):  # the first answers may come before the connect attempt failed
            r, l = get(port, ready), get(port, live)
            if r[0] == 503:
                break
            time.sleep(0.1)
        return [(f"readinessProbe {ready} → 503 with Redis unreachable (out of the Service, not restarted)", r[0] == 503, r),
                (f"livenessProbe {live} → 200 with Redis unreachable", l[0] == 200, l)]

    run_as("Deployment container", binary, c.get("args", []), env, redis_url, up)
    run_as("Deployment container, Redis down", binary, c.get("args", []), env, f"redis://127.0.0.1:{closed_port()}", down)
    for name, s in compose["services"].items():
        if "swiftasgi" in str(s.get("image", "")):
            run_as(f"compose {name}", binary, s.get("command", []), s.get("environment") or {}, redis_url, up)
            break


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or None)
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    started = time.monotonic()
    help_text = subprocess.run([args.binary, "--help"], capture_output=True, text=True, timeout=30).stdout
    report("asgi-demo --help lists its flags", "--port" in help_text and "--timeout-graceful-shutdown" in help_text)
    kube, compose, nginx = load_all()
    report("deploy/kubernetes/*.yaml, compose.yaml parse as YAML", bool(kube) and bool(compose),
           f"{len(kube)} Kubernetes documents: {', '.join(doc['kind'] for _, doc in kube)}")
    for name, ok, detail in static_checks(kube, compose, nginx, help_text):
        report(name, ok, detail)
    if args.self_test:
        self_test(kube, compose, nginx, help_text)
    if args.redis_url:
        runtime_checks(args.binary, kube, compose, args.redis_url)
    else:
        report("REDIS_URL given (for the probe checks against a running asgi-demo)", False, "set REDIS_URL or --redis-url")
    print(f"{len(failures)} failed in {time.monotonic() - started:.1f} s", flush=True)
    print(("FAIL: " + "; ".join(failures)) if failures else "PASS: manifests agree with asgi-demo", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
