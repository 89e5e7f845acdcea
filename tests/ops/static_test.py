#!/usr/bin/python3
"""Static checks of the operations files (issue 7), no server needed:

- the systemd units pass `systemd-analyze verify` (with the binaries' paths pointed at the build)
  and `systemd-analyze security` rates proeftuind.service OK, with the hardening the runbook
  promises;
- the container recipe is multi-stage on Debian 12, builds with ops/install-deps.sh, runs as a
  non-root user with its data on a volume, has tzdata and a HEALTHCHECK (no container engine
  here: parsed, not built);
- the example alert rules pass `promtool check rules` and name only metrics proeftuind has;
- the scripts parse (`sh -n`) and pass shellcheck;
- the example configuration lists every option of proeftuind;
- every numeric option of proeftuind (flag and environment form) refuses a negative or absurd
  value at start, naming the flag (the server is never started with it);
- ops/install-deps.sh completes the npm tooling when a package of the lockfile is missing or the
  lockfile changed, and does nothing the second time (with stand-ins for apt and npm).

Usage: static_test.py --source-dir DIR --proeftuind BINARY
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

ARGS = None


def ops(*parts):
    return os.path.join(ARGS.source_dir, "ops", *parts)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def unit_settings(path):
    """{key: [values]} of a systemd unit file (all sections)."""
    settings = {}
    for line in read(path).splitlines():
        line = line.strip()
        if not line or line[0] in "#;[" or "=" not in line:
            continue
        key, value = line.split("=", 1)
        settings.setdefault(key.strip(), []).append(value.strip())
    return settings


class SystemdUnitsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="proeftuin-units-")
        # The units name installed paths; point them at the build and the source tree.
        paths = {"/usr/bin/proeftuind": ARGS.proeftuind,
                 "/usr/lib/proeftuin/proeftuin-backup": ops("backup.sh")}
        for name in ("proeftuind.service", "proeftuin-backup.service", "proeftuin-backup.timer"):
            text = read(ops(name))
            for installed, here in paths.items():
                text = text.replace(installed, here)
            with open(os.path.join(self.tmp, name), "w", encoding="utf-8") as f:
                f.write(text)
        # Documentation=man:proeftuind(8) is checked with `man`: give it the page.
        man8 = os.path.join(self.tmp, "man", "man8")
        os.makedirs(man8)
        page = run([ops("man-from-help.sh"), ARGS.proeftuind, "proeftuind", "8", "test", "--help", "0"])
        self.assertEqual(page.returncode, 0, page.stderr)
        with open(os.path.join(man8, "proeftuind.8"), "w", encoding="utf-8") as f:
            f.write(page.stdout)
        self.env = dict(os.environ, MANPATH=os.path.join(self.tmp, "man"))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_units_verify_clean(self):
        units = [os.path.join(self.tmp, n)
                 for n in ("proeftuind.service", "proeftuin-backup.service", "proeftuin-backup.timer")]
        r = run(["systemd-analyze", "verify"] + units, env=self.env, cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout + r.stderr, "", "systemd-analyze verify reported problems")

    def test_service_is_hardened_as_documented(self):
        s = unit_settings(ops("proeftuind.service"))
        expected = {
            "User": "proeftuin", "Group": "proeftuin", "StateDirectory": "proeftuin",
            "ProtectSystem": "strict", "ProtectHome": "yes", "NoNewPrivileges": "yes",
            "PrivateTmp": "yes", "PrivateDevices": "yes", "ProtectKernelTunables": "yes",
            "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes", "ProtectControlGroups": "yes",
            "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6", "CapabilityBoundingSet": "",
            "SystemCallFilter": "@system-service", "EnvironmentFile": "-/etc/proeftuin/proeftuind.env",
            "ExecReload": "/bin/kill -HUP $MAINPID", "ExecStart": "/usr/bin/proeftuind",
            "ReadWritePaths": "-/var/backups/proeftuin",
        }
        for key, value in expected.items():
            self.assertIn(value, s.get(key, []), f"{key}={value} missing from proeftuind.service")
        self.assertIn("PROEFTUIND_DATA_DIR=/var/lib/proeftuin/data", s["Environment"])

    def test_security_exposure_is_low(self):
        r = run(["systemd-analyze", "security", "--offline=yes", "--threshold=20", "--no-pager",
                 os.path.join(self.tmp, "proeftuind.service")], env=self.env, cwd=self.tmp)
        overall = re.search(r"Overall exposure level for \S+: ([0-9.]+)", r.stdout)
        self.assertIsNotNone(overall, r.stdout + r.stderr)
        print(f"systemd-analyze security: exposure {overall.group(1)} (0 best, 10 worst)", file=sys.stderr)
        self.assertEqual(r.returncode, 0, f"exposure {overall.group(1)} is above 2.0")

    def test_backup_timer_runs_the_backup_service_persistently(self):
        t = unit_settings(ops("proeftuin-backup.timer"))
        self.assertTrue(t.get("OnCalendar"))
        self.assertEqual(t.get("Persistent"), ["true"])
        self.assertIn("timers.target", t.get("WantedBy", []))
        s = unit_settings(ops("proeftuin-backup.service"))
        self.assertEqual(s.get("Type"), ["oneshot"])
        self.assertEqual(s.get("User"), ["proeftuin"])
        self.assertIn("/var/backups/proeftuin", s.get("ReadWritePaths", []))


def container_stages():
    """[(from_args, [(instruction, args)])] of ops/Containerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", read(ops("Containerfile")))
    stages = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, args = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            stages.append((args.split(), []))
        else:
            stages[-1][1].append((instruction, " ".join(args.split())))
    return stages


class ContainerfileTest(unittest.TestCase):
    def setUp(self):
        self.stages = container_stages()
        self.build, self.runtime = self.stages[0], self.stages[-1]

    def args(self, stage, instruction):
        return [a for i, a in stage[1] if i == instruction]

    def test_multi_stage_on_debian_12(self):
        self.assertEqual(len(self.stages), 2)
        self.assertEqual(self.build[0], ["debian:bookworm-slim", "AS", "build"])
        self.assertEqual(self.runtime[0][0], "debian:bookworm-slim")

    def test_build_stage_installs_with_install_deps_and_builds_the_package(self):
        runs = " && ".join(self.args(self.build, "RUN"))
        self.assertIn("./ops/install-deps.sh", runs)
        self.assertIn("cmake --build", runs)
        self.assertIn("cpack -G DEB", runs)

    def test_runtime_stage_has_only_runtime_libraries(self):
        runs = " && ".join(self.args(self.runtime, "RUN"))
        self.assertNotIn("install-deps", runs)
        for build_only in ("build-essential", "cmake", "g++", "clang", "-dev ", "ninja"):
            self.assertNotIn(build_only, runs + " ")
        copies = self.args(self.runtime, "COPY")
        self.assertEqual(len(copies), 1)
        self.assertTrue(copies[0].startswith("--from=build ") and copies[0].split()[1].endswith(".deb"), copies)
        self.assertRegex(runs, r"apt-get install [^&]*/tmp/proeftuin\.deb")
        self.assertRegex(runs, r"apt-get install [^&]*\btzdata\b")

    def test_runs_as_a_non_root_user_with_data_on_a_volume(self):
        users = self.args(self.runtime, "USER")
        self.assertTrue(users, "no USER")
        self.assertNotIn(users[-1].split(":")[0], ("root", "0"))
        volumes = " ".join(self.args(self.runtime, "VOLUME"))
        self.assertIn("/var/lib/proeftuin", volumes)
        env = " ".join(self.args(self.runtime, "ENV"))
        self.assertIn("PROEFTUIND_DATA_DIR=/var/lib/proeftuin/", env)
        self.assertIn("TZ=Europe/Amsterdam", env)

    def test_healthcheck_entrypoint_and_ports(self):
        health = self.args(self.runtime, "HEALTHCHECK")
        self.assertEqual(len(health), 1)
        self.assertIn('CMD ["/usr/bin/proeftuind", "health"]', health[0])
        self.assertEqual(self.args(self.runtime, "ENTRYPOINT"), ['["/usr/bin/proeftuind"]'])
        self.assertIn("50051", " ".join(self.args(self.runtime, "EXPOSE")))

    def test_health_probe_command_exists(self):
        r = run([ARGS.proeftuind, "health", "--help"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_build_context_leaves_out_build_output(self):
        ignore = read(ops("Containerfile.dockerignore")).split()
        for path in ("build/", "var/", "tools/node_modules/"):
            self.assertIn(path, ignore)


class AlertRulesTest(unittest.TestCase):
    def test_promtool_accepts_the_rules(self):
        r = run(["promtool", "check", "rules", ops("prometheus-alerts.yml")])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    @staticmethod
    def expr(alert):
        """The expression of an alert in the rules file (one line, or a `|` block)."""
        m = re.search(r"^(\s*)- alert: " + alert + r"\n\s*expr: (.*)\n((?:\1\s{4,}.*\n)*)",
                      read(ops("prometheus-alerts.yml")), re.M)
        if m is None:
            raise AssertionError("no alert " + alert)
        return m.group(2).strip() if m.group(2).strip() != "|" else " ".join(m.group(3).split())

    def test_backup_alerts_count_only_backups_the_backup_job_accepted(self):
        # A backup the server wrote (source="rpc") but proeftuin-backup then rejected and removed
        # must not keep the alerts quiet: they follow last-backup (source="file") only.
        up = 'up{job="proeftuin",instance="a"}'
        file_ = 'proeftuin_backup_last_success_timestamp_seconds{job="proeftuin",instance="a",source="file"}'
        rpc = 'proeftuin_backup_last_success_timestamp_seconds{job="proeftuin",instance="a",source="rpc"}'
        age = 'proeftuin_backup_age_seconds{job="proeftuin",instance="a"}'
        too_old, missing = self.expr("ProeftuinBackupTooOld"), self.expr("ProeftuinBackupMissing")

        def case(series, expr, samples):
            lines = ["  - interval: 1m", "    input_series:"]
            for name, values in series:
                lines += ["      - series: '%s'" % name, "        values: '%s'" % values]
            lines += ["    promql_expr_test:", "      - expr: '%s'" % expr, "        eval_time: 4h",
                      "        exp_samples:" + ("" if samples else " []")]
            for labels, value in samples:
                lines += ["          - labels: '%s'" % labels, "            value: %s" % value]
            return lines

        # Minutes 0..300; at 4h time() is 14400. The job's last good backup is at 0 (4 h old),
        # while the server's Backup RPC succeeded a minute ago (the job rejected that backup).
        rejected = [(up, "1x300"), (file_, "0x300"), (rpc, "0+60x300"), (age, "0x300")]
        never = [(up, "1x300"), (rpc, "0+60x300"), (age, "0x300")]
        good = [(up, "1x300"), (file_, "0+60x300"), (rpc, "0+60x300"), (age, "0x300")]
        tests = (case(rejected, too_old, [('{job="proeftuin",instance="a",source="file"}', 14400)]) + case(never, missing, [(up, 1)])
                 + case(good, too_old, []) + case(good, missing, []))
        with tempfile.TemporaryDirectory(prefix="proeftuin-alerts-") as tmp:
            path = os.path.join(tmp, "backup_alerts_test.yml")
            with open(path, "w", encoding="utf-8") as f:
                f.write("rule_files: []\nevaluation_interval: 1m\ntests:\n" + "\n".join(tests) + "\n")
            r = run(["promtool", "test", "rules", path])
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr + "\n" + read(path))

    def test_rules_name_only_metrics_the_server_has(self):
        server = read(os.path.join(ARGS.source_dir, "services", "server", "observability.cc"))
        known = set(re.findall(r'"(proeftuin_[a-z_]+)"', server))
        used = set(re.findall(r"\b(proeftuin_[a-z_]+)", read(ops("prometheus-alerts.yml"))))
        for name in used:
            base = re.sub(r"_(bucket|sum|count)$", "", name)
            self.assertTrue(name in known or base in known, f"{name} is not a metric of proeftuind")


class ScriptsTest(unittest.TestCase):
    SCRIPTS = ["backup.sh", "restore.sh", "man-from-help.sh", "debian/postinst", "debian/prerm", "debian/postrm"]

    def test_scripts_parse_and_pass_shellcheck(self):
        for script in self.SCRIPTS:
            r = run(["sh", "-n", ops(script)])
            self.assertEqual(r.returncode, 0, script + ": " + r.stderr)
            self.assertTrue(os.access(ops(script), os.X_OK), script + " is not executable")
            r = run(["shellcheck", "--shell=sh", ops(script)])
            self.assertEqual(r.returncode, 0, script + ":\n" + r.stdout)


class ConfigExampleTest(unittest.TestCase):
    def test_every_option_is_in_the_example_and_nothing_else(self):
        helps = run([ARGS.proeftuind, "--help"]).stdout + run([ARGS.proeftuind, "health", "--help"]).stdout
        options = set(re.findall(r"\(Env:(PROEFTUIND_[A-Z_]+)\)", helps))
        self.assertGreaterEqual(len(options), 10, helps)
        example = read(ops("proeftuind.env.example"))
        documented = set(re.findall(r"^#(PROEFTUIND_[A-Z_]+)=", example, re.M))
        self.assertEqual(options, documented)

    def test_backup_example_lists_the_script_settings(self):
        script = read(ops("backup.sh"))
        used = set(re.findall(r"\$\{(PROEFTUIN_BACKUP_[A-Z_]+|PROEFTUIN_DATA_DIR)", script))
        example = set(re.findall(r"^#(PROEFTUIN_[A-Z_]+)=", read(ops("backup.env.example")), re.M))
        self.assertTrue(used)
        self.assertLessEqual(used, example)

    def test_backup_example_writes_the_token_file_with_token_out(self):
        # The table output of `principal create` is not a token file: a redirect into one fails
        # every call of the backup job.
        example = read(ops("backup.env.example"))
        create = re.search(r"principal create backup(?:[^\n\\]|\\\n)*", example)
        self.assertIsNotNone(create, example)
        self.assertIn("--token-out /etc/proeftuin/backup.token", create.group(0))
        self.assertNotRegex(example, r"principal create[^\n]*>")


class ServerFlagsTest(unittest.TestCase):
    """CLI11 reads "-1" into an unsigned option as 2^64-1: proeftuind must refuse such values
    (exit 2, an error naming the flag) instead of starting with them."""
    # flag -> (environment form, bad values)
    BAD = {
        "--rocksdb-memory-mb": ("PROEFTUIND_ROCKSDB_MEMORY_MB", ["-1", "8", "99999999999999999999", "2000000"]),
        "--view-cache-mb": ("PROEFTUIND_VIEW_CACHE_MB", ["-1", "18446744073709551615", "2000000"]),
        "--shutdown-grace-seconds": ("PROEFTUIND_SHUTDOWN_GRACE_SECONDS", ["-5", "100000"]),
        "--tls-reload-seconds": ("PROEFTUIND_TLS_RELOAD_SECONDS", ["-1"]),
        "--ack-spin-us": ("PROEFTUIND_ACK_SPIN_US", ["-1", "100001"]),
        "--writer-spin-us": ("PROEFTUIND_WRITER_SPIN_US", ["-1", "100001"]),
    }

    def start(self, args=(), env=None):
        """proeftuind on a free port in a scratch data dir: (exit code, stderr) when it exits, or
        (None, stderr) when it logged its start (then it is stopped)."""
        import threading
        tmp = tempfile.mkdtemp(prefix="proeftuin-flags-")
        try:
            clean = {k: v for k, v in os.environ.items() if not k.startswith("PROEFTUIND_")}
            clean.update(env or {})
            cmd = [ARGS.proeftuind, "--data-dir", os.path.join(tmp, "data"), "--listen", "127.0.0.1:0", *args]
            with subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                  env=clean) as p:
                watchdog = threading.Timer(30, p.kill)
                watchdog.start()
                err, started = "", False
                for line in p.stderr:
                    err += line
                    if '"event":"start"' in line:
                        started = True
                        p.terminate()
                code = p.wait()
                watchdog.cancel()
            if started:
                return None, err
            self.assertFalse(os.path.exists(os.path.join(tmp, "data")), "the store was created before the check")
            return code, err
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_every_numeric_option_is_checked(self):
        helps = run([ARGS.proeftuind, "--help"]).stdout
        numeric = set(re.findall(r"^\s+(--[a-z-]+) (?:U?INT|FLOAT|NUMBER)", helps, re.M))
        self.assertGreaterEqual(len(numeric), 5, helps)
        self.assertEqual(numeric, set(self.BAD), "a numeric option of proeftuind without a check here")

    def test_negative_and_absurd_values_are_refused_naming_the_flag(self):
        for flag, (env_name, values) in self.BAD.items():
            for value in values:
                for how, kw in (("flag", {"args": [flag, value]}), ("env", {"env": {env_name: value}})):
                    with self.subTest(flag=flag, value=value, how=how):
                        code, err = self.start(**kw)
                        self.assertIsNotNone(code, "proeftuind started with it: " + err)
                        self.assertIn(flag, err)
                        self.assertEqual(code, 2, err)

    def test_a_value_that_is_no_number_exits_2_naming_the_flag(self):
        code, err = self.start(args=["--rocksdb-memory-mb", "veel"])
        self.assertEqual(code, 2, err)
        self.assertIn("--rocksdb-memory-mb", err)

    def test_sensible_values_still_start(self):
        # 0 turns the view cache, the spin and the TLS check off; the limits themselves are allowed.
        for args in (["--view-cache-mb", "0", "--ack-spin-us", "0", "--writer-spin-us", "0",
                      "--tls-reload-seconds", "0",
                      "--shutdown-grace-seconds", "0", "--rocksdb-memory-mb", "16"],
                     ["--shutdown-grace-seconds", "3600"]):
            with self.subTest(args=args):
                code, err = self.start(args)
                self.assertIsNone(code, f"proeftuind did not start with {args}: {err}")


class InstallDepsNpmTest(unittest.TestCase):
    """ops/install-deps.sh in a scratch copy of the tree, with stand-ins for apt-get, dpkg-query,
    sudo and npm on PATH (npm "installs" what the lockfile lists, for this machine, and writes
    node_modules/.package-lock.json as npm does). Node.js itself is the real one."""

    LOCK = {
        "name": "proeftuin-tools", "lockfileVersion": 3, "requires": True,
        "packages": {
            "": {"name": "proeftuin-tools", "devDependencies": {"@bufbuild/buf": "1.0.0", "axe-core": "4.0.0"}},
            "node_modules/@bufbuild/buf": {"version": "1.0.0", "dev": True, "bin": {"buf": "bin/buf"}},
            "node_modules/@bufbuild/buf-darwin-arm64": {"version": "1.0.0", "dev": True, "optional": True,
                                                        "os": ["darwin"], "cpu": ["arm64"]},
            "node_modules/axe-core": {"version": "4.0.0", "dev": True},
        },
    }
    FAKE_NPM = r"""#!/usr/bin/python3
import json, os, sys
log = os.environ["FAKE_NPM_LOG"]
with open(log, "a") as f:
    f.write(" ".join(sys.argv[1:]) + "\n")
lock = json.load(open("package-lock.json"))
installed = {}
for key, p in lock["packages"].items():
    if not key or p.get("os", ["linux"])[0] not in ("linux",):
        continue
    os.makedirs(key, exist_ok=True)
    json.dump({"name": key[len("node_modules/"):], "version": p["version"]}, open(key + "/package.json", "w"))
    installed[key] = p
os.makedirs("node_modules/.bin", exist_ok=True)
with open("node_modules/.bin/buf", "w") as f:
    f.write("#!/bin/sh\n")
os.chmod("node_modules/.bin/buf", 0o755)
json.dump(dict(lock, packages=installed), open("node_modules/.package-lock.json", "w"))
"""

    def setUp(self):
        import json
        self.json = json
        self.tmp = tempfile.mkdtemp(prefix="proeftuin-install-deps-")
        root = os.path.join(self.tmp, "tree")
        os.makedirs(os.path.join(root, "ops"))
        self.tools = os.path.join(root, "tools")
        os.makedirs(self.tools)
        self.script = os.path.join(root, "ops", "install-deps.sh")
        shutil.copy(ops("install-deps.sh"), self.script)
        self.write_lock(self.LOCK)
        with open(os.path.join(self.tools, "package.json"), "w", encoding="utf-8") as f:
            f.write('{"name": "proeftuin-tools", "private": true}\n')
        fake = os.path.join(self.tmp, "bin")
        os.makedirs(fake)
        stubs = {"apt-get": "#!/bin/sh\nexit 0\n", "sudo": '#!/bin/sh\nexec "$@"\n',
                 "dpkg-query": "#!/bin/sh\nprintf 'install ok installed'\n", "npm": self.FAKE_NPM}
        for name, text in stubs.items():
            path = os.path.join(fake, name)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(path, 0o755)
        self.npm_log = os.path.join(self.tmp, "npm.log")
        node_dir = os.path.dirname(shutil.which("node") or "/usr/bin/node")
        self.env = dict(os.environ, PATH=f"{fake}:{node_dir}:/usr/bin:/bin", FAKE_NPM_LOG=self.npm_log)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write_lock(self, lock):
        with open(os.path.join(self.tools, "package-lock.json"), "w", encoding="utf-8") as f:
            self.json.dump(lock, f)

    def install(self):
        """Runs the script; returns how many times it ran npm."""
        before = read(self.npm_log).count("\n") if os.path.exists(self.npm_log) else 0
        r = run(["bash", self.script], env=self.env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        after = read(self.npm_log).count("\n") if os.path.exists(self.npm_log) else 0
        return after - before

    def test_installs_once_then_does_nothing(self):
        self.assertEqual(self.install(), 1)
        self.assertIn("ci", read(self.npm_log))
        self.assertEqual(self.install(), 0, "a second run must do nothing")

    def test_completes_a_node_modules_that_misses_a_package(self):
        self.install()
        # A node_modules from before axe-core was added: buf is there, axe-core is not.
        shutil.rmtree(os.path.join(self.tools, "node_modules", "axe-core"))
        self.assertEqual(self.install(), 1)
        self.assertTrue(os.path.exists(os.path.join(self.tools, "node_modules", "axe-core", "package.json")))
        self.assertEqual(self.install(), 0)

    def age(self, lock_seconds_ago, installed_seconds_ago):
        now = __import__("time").time()
        os.utime(os.path.join(self.tools, "package-lock.json"), (now - lock_seconds_ago,) * 2)
        installed = os.path.join(self.tools, "node_modules", ".package-lock.json")
        os.utime(installed, (now - installed_seconds_ago,) * 2)

    def test_installs_again_after_a_lockfile_bump(self):
        self.install()
        bumped = self.json.loads(self.json.dumps(self.LOCK))
        bumped["packages"]["node_modules/axe-core"]["version"] = "4.1.0"
        self.write_lock(bumped)
        self.age(60, 3600)  # the lockfile changed after the install
        self.assertEqual(self.install(), 1)
        self.assertEqual(self.install(), 0)
        # An installed version other than the lockfile's counts even when the times do not show it.
        self.write_lock(self.LOCK)
        self.age(3600, 60)
        self.assertEqual(self.install(), 1)
        self.assertEqual(self.install(), 0)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--proeftuind", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
