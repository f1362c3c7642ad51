"""A local single-node Apache Kafka broker (KRaft combined mode) run as a detached JVM from Maven jars."""

from __future__ import annotations

import base64
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from string import Template

from tthc.kit.kafka.jars import fetch_jars, jars_ready
from tthc.kit.kafka.process import is_running, port_open, read_pid, tail, terminate
from tthc.kit.kafka.settings import KafkaSettings


class KafkaBrokerError(RuntimeError):
    """The local broker could not be prepared, started or stopped."""


class KafkaStartError(KafkaBrokerError):
    """The broker JVM died or did not answer in time; the message carries the tail of its log."""


@dataclass(frozen=True)
class BrokerStatus:
    """What ``LocalKafka.status()`` saw."""

    running: bool
    answering: bool
    pid: int | None
    bootstrap: str
    log_file: Path


class LocalKafka:
    """Manages one local broker: fetch its jars, format storage once, start, stop, report status.

    Files under ``settings.data_dir``: ``server.properties`` (rendered from ``deploy/kafka``), ``data/``
    (the log directory), ``broker.pid``, ``broker.log`` and ``format.stamp`` (controller endpoint used at
    format time; the dynamic quorum remembers it, so it must not change afterwards). ``detach=False``
    keeps the JVM in the caller's session, so a Ctrl-C on a test run reaches it too.
    """

    def __init__(self, settings: KafkaSettings | None = None, *, detach: bool = True) -> None:
        self.settings = settings or KafkaSettings()
        self.detach = detach
        self._process: subprocess.Popen[bytes] | None = None
        root = self.settings.data_dir
        self.config_file = root / "server.properties"
        self.log_dir = root / "data"
        self.pid_file = root / "broker.pid"
        self.log_file = root / "broker.log"
        self._stamp = root / "format.stamp"

    @property
    def bootstrap(self) -> str:
        """``host:port`` clients connect to."""
        return self.settings.bootstrap

    def fetch(self) -> bool:
        """Resolve the jars into the cache once; returns True if it had to download/copy them."""
        return fetch_jars(self.settings.deploy_dir / "pom.xml", self.settings.libs_dir, self.settings.mvn)

    def start(self) -> BrokerStatus:
        """Start the broker (fetch jars and format storage first if needed); wait until it answers."""
        if self._live_pid() is not None:
            return self.status()
        self.fetch()
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self._write_config()
        if not (self.log_dir / "meta.properties").is_file():
            self._format()
        self._check_format_matches()
        for port in (self.settings.port, self.settings.controller_port):
            if port_open(self.settings.host, port):
                raise KafkaBrokerError(f"port {self.settings.host}:{port} is already in use")
        self._wait_until_answering(self._launch())
        return self.status()

    def stop(self) -> bool:
        """SIGTERM the broker, SIGKILL it after ``stop_timeout_s``. Returns False if it was not running."""
        pid = self._live_pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        terminate(pid, str(self.config_file), self.settings.stop_timeout_s)
        if self._process is not None:
            self._process.wait(timeout=10)
            self._process = None
        self.pid_file.unlink(missing_ok=True)
        return True

    def status(self) -> BrokerStatus:
        """Whether the JVM runs and whether it answers a metadata request."""
        pid = self._live_pid()
        answering = pid is not None and answers_metadata(self.bootstrap)
        return BrokerStatus(pid is not None, answering, pid, self.bootstrap, self.log_file)

    def _live_pid(self) -> int | None:
        pid = read_pid(self.pid_file)
        return pid if pid is not None and is_running(pid, str(self.config_file)) else None

    def _write_config(self) -> None:
        template = Template((self.settings.deploy_dir / "server.properties").read_text())
        self.config_file.write_text(
            template.substitute(
                host=self.settings.host,
                broker_port=self.settings.port,
                controller_port=self.settings.controller_port,
                log_dirs=self.log_dir,
            )
        )

    def _java(self, main_class: str, *args: str) -> list[str]:
        s = self.settings
        return [
            s.java, f"-Xmx{s.heap}", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true", f"-Dkafka.logs.dir={s.data_dir}",
            f"-Dlog4j2.configurationFile=file:{s.deploy_dir / 'log4j2.properties'}",
            "-cp", f"{s.libs_dir}/*", main_class, *args,
        ]  # fmt: skip

    def _format(self) -> None:
        if not jars_ready(self.settings.libs_dir):
            raise KafkaBrokerError(f"broker jars missing in {self.settings.libs_dir}: run `tthc kafka fetch`")
        # A cluster id starting with "-" would be read by StorageTool as an option: use the --flag=value form.
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        command = self._java(
            "kafka.tools.StorageTool",
            "format",
            "--standalone",
            f"--cluster-id={cluster_id}",
            "-c",
            str(self.config_file),
        )
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise KafkaBrokerError(f"formatting storage failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        self._stamp.write_text(self._controller_endpoint())

    def _controller_endpoint(self) -> str:
        return f"{self.settings.host}:{self.settings.controller_port}"

    def _check_format_matches(self) -> None:
        formatted_for = self._stamp.read_text().strip() if self._stamp.is_file() else None
        if formatted_for is not None and formatted_for != self._controller_endpoint():
            raise KafkaBrokerError(
                f"{self.log_dir} was formatted for controller {formatted_for}, not "
                f"{self._controller_endpoint()}: use that port or delete {self.settings.data_dir}"
            )

    def _launch(self) -> subprocess.Popen[bytes]:
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                self._java("kafka.Kafka", str(self.config_file)),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=self.detach,  # detached: survives the CLI and ignores its Ctrl-C
                cwd=self.settings.data_dir,
            )
        self.pid_file.write_text(f"{process.pid}\n")
        self._process = process
        return process

    def _wait_until_answering(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + self.settings.start_timeout_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                self._process = None
                raise KafkaStartError(
                    f"broker exited with {process.returncode}; log tail:\n{tail(self.log_file)}"
                )
            if port_open(self.settings.host, self.settings.port) and answers_metadata(self.bootstrap):
                return
            time.sleep(0.2)
        self.stop()
        raise KafkaStartError(
            f"broker did not answer within {self.settings.start_timeout_s}s; log tail:\n{tail(self.log_file)}"
        )


def answers_metadata(bootstrap: str, timeout_ms: int = 3000) -> bool:
    """True if a broker at ``bootstrap`` answers a cluster metadata request and lists itself."""
    from kafka.admin import KafkaAdminClient

    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            client_id="tthc-kafka-probe",
            bootstrap_timeout_ms=timeout_ms,
            request_timeout_ms=timeout_ms,
        )
    except Exception:
        return False
    try:
        return bool(admin.describe_cluster().get("brokers"))
    except Exception:
        return False
    finally:
        admin.close()
