#!/usr/bin/python3
"""The Debian package (issue 7): `cpack -G DEB` from the build directory, then

- the control fields (name, version, architecture, maintainer, Depends with the shared
  libraries and adduser) and the maintainer scripts (`sh -n`, conffiles);
- the files: binaries, systemd units, config as conffiles, man pages, scripts, docs;
- `apt-get install --simulate` resolves its dependencies on this Debian 12 machine;
- "installed" into a scratch root (dpkg-deb -x; `dpkg -i` would change this machine): postinst
  run there with DPKG_ROOT and stub system commands creates the user and the directories and
  enables the units; remove and purge keep the store;
- the units as installed pass `systemd-analyze verify` (their paths pointed into the root);
- the extracted proeftuind starts on a temp data dir, serves (gRPC health through
  `proeftuind health`, the extracted CLI's `admin stats`) and exits 0 on SIGTERM.

Usage: package_test.py --build-dir DIR --source-dir DIR
"""
import argparse
import glob
import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

ARGS = None
TMP = None
DEB = None
ROOT = None


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def setUpModule():
    global TMP, DEB, ROOT
    TMP = tempfile.mkdtemp(prefix="proeftuin-package-")
    start = time.monotonic()
    r = run(["cpack", "-G", "DEB", "--config", os.path.join(ARGS.build_dir, "CPackConfig.cmake"),
             "-B", os.path.join(TMP, "out")], cwd=ARGS.build_dir)
    if r.returncode != 0:
        raise RuntimeError("cpack failed:\n" + r.stdout + r.stderr)
    debs = glob.glob(os.path.join(TMP, "out", "proeftuin_*.deb"))
    if len(debs) != 1:
        raise RuntimeError(f"expected one .deb, got {debs}:\n{r.stdout}")
    DEB = debs[0]
    print(f"cpack: {os.path.basename(DEB)}, {os.path.getsize(DEB) // 1024} KiB in "
          f"{time.monotonic() - start:.1f} s", file=sys.stderr)
    ROOT = os.path.join(TMP, "root")
    r = run(["dpkg-deb", "-x", DEB, ROOT])
    if r.returncode != 0:
        raise RuntimeError(r.stderr)


def tearDownModule():
    shutil.rmtree(TMP, ignore_errors=True)


def project_version():
    with open(os.path.join(ARGS.source_dir, "CMakeLists.txt"), encoding="utf-8") as f:
        return re.search(r"project\(proeftuin VERSION ([0-9.]+)", f.read()).group(1)


class ControlTest(unittest.TestCase):
    def fields(self):
        out = run(["dpkg-deb", "--field", DEB]).stdout
        return dict(re.findall(r"^([A-Za-z-]+): (.*)$", out, re.M))

    def test_control_fields(self):
        f = self.fields()
        self.assertEqual(f["Package"], "proeftuin")
        self.assertEqual(f["Version"], project_version())
        self.assertEqual(f["Architecture"], run(["dpkg", "--print-architecture"]).stdout.strip())
        self.assertIn("<", f["Maintainer"])
        self.assertTrue(f["Description"])
        depends = [d.strip().split(" ")[0] for d in f["Depends"].split(",")]
        for package in ("adduser", "tzdata", "libc6"):
            self.assertIn(package, depends)
        libraries = ["libgrpc++", "libcivetweb", "libprotobuf", "libssl", "libtcmalloc-minimal"]
        if ARGS.static_rocksdb:
            # RocksDB linked statically (PROEFTUIN_STATIC_ROCKSDB): its compression libraries are
            # the package's dependencies instead of librocksdb.
            libraries += ["libsnappy", "liblz4", "libzstd", "libbz2", "zlib1g"]
            self.assertFalse(any(d.startswith("librocksdb") for d in depends), f"librocksdb in Depends: {depends}")
        else:
            libraries.append("librocksdb")
        for library in libraries:
            self.assertTrue(any(d.startswith(library) for d in depends), f"no {library}* in Depends: {depends}")

    def test_maintainer_scripts_parse_and_conffiles(self):
        control = os.path.join(TMP, "control")
        self.assertEqual(run(["dpkg-deb", "-e", DEB, control]).returncode, 0)
        for script in ("postinst", "prerm", "postrm"):
            path = os.path.join(control, script)
            self.assertTrue(os.access(path, os.X_OK), script)
            r = run(["sh", "-n", path])
            self.assertEqual(r.returncode, 0, script + ": " + r.stderr)
        with open(os.path.join(control, "conffiles"), encoding="utf-8") as f:
            conffiles = f.read().split()
        self.assertEqual(conffiles, ["/etc/proeftuin/proeftuind.env", "/etc/proeftuin/backup.env"])
        info = run(["dpkg-deb", "--info", DEB]).stdout
        for member in ("postinst", "prerm", "postrm", "conffiles", "md5sums"):
            self.assertRegex(info, r"\b" + member + r"\b")

    def test_files(self):
        for path in ("usr/bin/proeftuind", "usr/bin/proeftuin", "usr/lib/proeftuin/proeftuin-backup",
                     "usr/sbin/proeftuin-restore"):
            self.assertTrue(os.access(os.path.join(ROOT, path), os.X_OK), path)
        for path in ("usr/lib/systemd/system/proeftuind.service", "usr/lib/systemd/system/proeftuin-backup.service",
                     "usr/lib/systemd/system/proeftuin-backup.timer", "etc/proeftuin/proeftuind.env",
                     "etc/proeftuin/backup.env", "usr/share/doc/proeftuin/OPERATIONS.md",
                     "usr/share/doc/proeftuin/copyright", "usr/share/doc/proeftuin/examples/prometheus-alerts.yml"):
            self.assertTrue(os.path.isfile(os.path.join(ROOT, path)), path)
        for page, section, option in (("proeftuind", "8", "--data-dir"), ("proeftuin", "1", "admin")):
            with gzip.open(os.path.join(ROOT, f"usr/share/man/man{section}/{page}.{section}.gz"), "rt") as f:
                text = f.read()
            self.assertIn(f".TH {page.upper()} {section}", text)
            self.assertIn(option, text)
        self.assertNotIn(".debug", run(["file", os.path.join(ROOT, "usr/bin/proeftuind")]).stdout)

    def test_dependencies_resolve_on_debian_12(self):
        r = run(["apt-get", "install", "--simulate", "--no-install-recommends", DEB])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"(?m)^Inst proeftuin ")


class MaintainerScriptsTest(unittest.TestCase):
    """The scripts against a scratch root, with the system commands replaced by recorders."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="root-", dir=TMP)
        shutil.copytree(os.path.join(ROOT, "etc"), os.path.join(self.root, "etc"))
        self.control = os.path.join(TMP, "control-scripts")
        if not os.path.isdir(self.control):
            run(["dpkg-deb", "-e", DEB, self.control])
        self.bin = os.path.join(self.root, "stub-bin")
        self.calls = os.path.join(self.root, "calls")
        os.makedirs(self.bin)
        for name, status in (("getent", 2), ("adduser", 0), ("chown", 0), ("deb-systemd-helper", 0),
                             ("deb-systemd-invoke", 0), ("systemctl", 0)):
            with open(os.path.join(self.bin, name), "w", encoding="utf-8") as f:
                f.write(f'#!/bin/sh\necho "{name} $*" >> "{self.calls}"\nexit {status}\n')
            os.chmod(os.path.join(self.bin, name), 0o755)

    def script(self, name, *args):
        env = dict(os.environ, DPKG_ROOT=self.root, PATH=self.bin + ":" + os.environ["PATH"])
        return run([os.path.join(self.control, name)] + list(args), env=env)

    def recorded(self):
        with open(self.calls, encoding="utf-8") as f:
            return f.read().splitlines()

    def test_postinst_creates_user_and_directories_and_enables_units(self):
        r = self.script("postinst", "configure", "")
        self.assertEqual(r.returncode, 0, r.stderr)
        calls = self.recorded()
        adduser = [c for c in calls if c.startswith("adduser ")]
        self.assertEqual(len(adduser), 1, calls)
        self.assertIn("--system", adduser[0])
        self.assertIn("--group", adduser[0])
        self.assertTrue(adduser[0].endswith(" proeftuin"), adduser[0])
        for d in ("var/lib/proeftuin", "var/backups/proeftuin"):
            path = os.path.join(self.root, d)
            self.assertTrue(os.path.isdir(path), d)
            self.assertEqual(os.stat(path).st_mode & 0o777, 0o750, d)
            self.assertIn(f"chown proeftuin:proeftuin {self.root}/var/lib/proeftuin {self.root}/var/backups/proeftuin",
                          calls)
        for unit in ("proeftuind.service", "proeftuin-backup.timer"):
            self.assertIn(f"deb-systemd-helper enable {unit}", calls)
        self.assertFalse([c for c in calls if c.startswith("systemctl") or c.startswith("deb-systemd-invoke")],
                         "started services in a scratch root")

    def test_remove_and_purge_keep_the_store(self):
        self.assertEqual(self.script("postinst", "configure", "").returncode, 0)
        store = os.path.join(self.root, "var/lib/proeftuin/data")
        os.makedirs(store)
        for step in (("prerm", "remove"), ("postrm", "remove"), ("postrm", "purge")):
            r = self.script(*step)
            self.assertEqual(r.returncode, 0, f"{step}: {r.stderr}")
        self.assertTrue(os.path.isdir(store), "purge removed the store")
        self.assertTrue(os.path.isdir(os.path.join(self.root, "var/backups/proeftuin")))
        self.assertFalse(os.path.exists(os.path.join(self.root, "etc/proeftuin")))
        self.assertFalse([c for c in self.recorded() if c.startswith("deluser")])


class InstalledServiceTest(unittest.TestCase):
    def test_units_as_installed_verify(self):
        units = os.path.join(TMP, "units")
        os.makedirs(units, exist_ok=True)
        names = ("proeftuind.service", "proeftuin-backup.service", "proeftuin-backup.timer")
        for name in names:
            with open(os.path.join(ROOT, "usr/lib/systemd/system", name), encoding="utf-8") as f:
                text = f.read()
            for installed in ("/usr/bin/proeftuind", "/usr/lib/proeftuin/proeftuin-backup"):
                text = text.replace(installed, ROOT + installed)
            with open(os.path.join(units, name), "w", encoding="utf-8") as f:
                f.write(text)
        env = dict(os.environ, MANPATH=os.path.join(ROOT, "usr/share/man"))
        r = run(["systemd-analyze", "verify"] + [os.path.join(units, n) for n in names], env=env, cwd=units)
        self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""))

    def test_extracted_binary_serves_and_stops_on_sigterm(self):
        proeftuind = os.path.join(ROOT, "usr/bin/proeftuind")
        cli = os.path.join(ROOT, "usr/bin/proeftuin")
        version = run([proeftuind, "--version"])
        self.assertEqual(version.stdout.strip(), project_version())
        data = os.path.join(TMP, "data")
        log_path = os.path.join(TMP, "proeftuind.log")
        with open(log_path, "w", encoding="utf-8") as log:
            server = subprocess.Popen([proeftuind, "--data-dir", data, "--listen", "127.0.0.1:0",
                                       "--metrics-listen", "127.0.0.1:0"], stdout=log, stderr=log)
        try:
            port = None
            for _ in range(300):
                with open(log_path, encoding="utf-8") as f:
                    for line in f:
                        entry = json.loads(line)
                        if entry.get("event") == "start":
                            port = entry["port"]
                if port or server.poll() is not None:
                    break
                time.sleep(0.1)
            self.assertTrue(port, open(log_path, encoding="utf-8").read())
            address = f"127.0.0.1:{port}"
            health = run([proeftuind, "health", "--server", address])
            self.assertEqual((health.returncode, health.stdout.strip()), (0, "SERVING"))
            stats = run([cli, "--server", address, "--token-file", os.path.join(data, "admin.token"),
                         "admin", "stats", "-o", "json"])
            self.assertEqual(stats.returncode, 0, stats.stdout + stats.stderr)
            self.assertTrue(json.loads(stats.stdout)["store_id"])
            server.send_signal(signal.SIGTERM)
            self.assertEqual(server.wait(timeout=30), 0)
        finally:
            if server.poll() is None:
                server.kill()
        with open(log_path, encoding="utf-8") as f:
            events = [json.loads(line).get("event") for line in f]
        self.assertIn("stop", events)
        gone = run([proeftuind, "health", "--server", address, "--timeout", "2"])
        self.assertEqual(gone.returncode, 3, gone.stdout)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--static-rocksdb", choices=["ON", "OFF"], default="ON",
                        help="whether the build links RocksDB statically (PROEFTUIN_STATIC_ROCKSDB)")
    ARGS, rest = parser.parse_known_args()
    ARGS.static_rocksdb = ARGS.static_rocksdb == "ON"
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
