"""docker/Dockerfile.serve, checked without a Docker engine: the runtime stage copies from the
build stage only files that the build stage's `cmake --install --component serve` produces,
and every file that install produces is copied. The install is run for real, from this build
tree (SLIPWAY_BUILD_DIR) into a temporary prefix, and its install manifest is the list."""

import os
import re
import shlex
import subprocess
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("SLIPWAY_BUILD_DIR", os.path.join(ROOT, "build"))
DOCKERFILE = os.path.join(ROOT, "docker", "Dockerfile.serve")


def stages(text):
    """{stage name: [instruction lines]}, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines()
                                           if not line.lstrip().startswith("#")))
    out, current = {}, None
    for line in joined.splitlines():
        line = line.strip()
        if not line:
            continue
        match = re.match(r"FROM\s+\S+(?:\s+AS\s+(\S+))?$", line, re.IGNORECASE)
        if match:
            current = match.group(1) or f"stage{len(out)}"
            out[current] = []
        elif current is not None:
            out[current].append(line)
    return out


def install_of(build_stage):
    """(prefix, component, built targets) of the build stage's cmake commands."""
    run = " ".join(line for line in build_stage if line.upper().startswith("RUN"))
    prefix = re.search(r"-DCMAKE_INSTALL_PREFIX=(\S+)", run)
    component = re.search(r"cmake --install \S+(?: --\S+)* --component (\S+)", run)
    targets = re.findall(r"--target (\S+)", run)
    if not prefix or not component:
        raise AssertionError("the build stage has no cmake --install --component with a prefix")
    return prefix.group(1), component.group(1), targets


def copies_from_build(runtime_stage):
    """[(source, destination)] of every COPY --from=build of the stage."""
    out = []
    for line in runtime_stage:
        words = shlex.split(line)
        if words[0].upper() != "COPY" or "--from=build" not in words:
            continue
        paths = [w for w in words[1:] if not w.startswith("--")]
        out += [(source, paths[-1]) for source in paths[:-1]]
    return out


def check_copies(copies, prefix, installed):
    """Problems with `copies` given the files an install put under `prefix` (absolute paths
    as the image sees them)."""
    problems = []
    for source, destination in copies:
        if source != prefix and not source.startswith(prefix + "/"):
            problems.append(f"COPY --from=build {source}: not under the install prefix {prefix}")
        elif not any(path == source or path.startswith(source.rstrip("/") + "/")
                     for path in installed):
            problems.append(f"COPY --from=build {source}: `cmake --install` does not produce it")
        if destination != source:
            problems.append(f"COPY --from=build {source} {destination}: lands elsewhere than "
                            f"the build stage installed it")
    for path in sorted(installed):
        if not any(path == s or path.startswith(s.rstrip("/") + "/") for s, _ in copies):
            problems.append(f"{path}: installed but not copied into the runtime stage")
    return problems


class ServeImage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(DOCKERFILE) as f:
            cls.stages = stages(f.read())
        cls.prefix, cls.component, cls.targets = install_of(cls.stages["build"])

    def install(self):
        """Runs the build stage's install from this build tree; the manifest's paths, as they
        would be under the image's prefix."""
        with tempfile.TemporaryDirectory() as prefix:
            proc = subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", prefix,
                                   "--component", self.component],
                                  capture_output=True, text=True, timeout=120)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
            manifest = os.path.join(BUILD_DIR, f"install_manifest_{self.component}.txt")
            with open(manifest) as f:
                files = [line.strip() for line in f if line.strip()]
            self.assertTrue(files, f"{manifest} is empty")
            for path in files:
                self.assertTrue(path.startswith(prefix + "/"), path)
                self.assertTrue(os.path.isfile(path), f"{path} listed but not installed")
            return {self.prefix + path[len(prefix):] for path in files}

    def test_runtime_copies_exactly_what_the_install_produces(self):
        installed = self.install()
        self.assertIn(self.prefix + "/bin/slipway-serve", installed)
        copies = copies_from_build(self.stages["runtime"])
        self.assertTrue(copies)
        self.assertEqual(check_copies(copies, self.prefix, installed), [])

    def test_build_stage_builds_what_it_installs(self):
        installed = self.install()
        for path in installed:
            if "/bin/" in path:
                self.assertIn(os.path.basename(path), self.targets)

    def test_the_check_catches_a_copy_of_something_not_installed(self):
        installed = {"/opt/slipway/bin/slipway-serve"}
        good = [("/opt/slipway/bin/slipway-serve", "/opt/slipway/bin/slipway-serve")]
        self.assertEqual(check_copies(good, "/opt/slipway", installed), [])
        self.assertEqual(len(check_copies(good + [("/opt/slipway/bin/slipway-train",
                                                   "/opt/slipway/bin/slipway-train")],
                                          "/opt/slipway", installed)), 1)
        self.assertEqual(len(check_copies([("/src/build/slipway-serve", "/usr/bin/x")],
                                          "/opt/slipway", installed)), 3)

    def test_runtime_stage_is_hardened_and_labelled(self):
        runtime = self.stages["runtime"]
        keywords = {line.split()[0].upper() for line in runtime}
        self.assertTrue({"HEALTHCHECK", "EXPOSE", "LABEL", "USER", "ENTRYPOINT"} <= keywords)
        self.assertEqual([line for line in runtime if line.upper().startswith("USER")][-1],
                         "USER 10001:10001")
        labels = " ".join(line for line in runtime if line.upper().startswith("LABEL"))
        for key in ("title", "description", "version", "revision", "base.name"):
            self.assertIn(f"org.opencontainers.image.{key}=", labels)
        # Only runtime libraries: no compilers or -dev packages in the runtime stage.
        installs = " ".join(line for line in runtime if "apt-get install" in line)
        self.assertNotRegex(installs, r"-dev\b|build-essential|cmake")


if __name__ == "__main__":
    unittest.main(verbosity=2)
