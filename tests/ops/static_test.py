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
- the example configuration lists every option of proeftuind.

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


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--proeftuind", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
