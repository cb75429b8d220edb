"""What the tests' loopback servers (fake_aws.py, fake_gcp.py, fake_azure.py, hostile_server.py) share: 127.0.0.1 only, a free port announced as
`PORT <n>` on stdout, and a bounded life."""
import signal
import threading
from http.server import ThreadingHTTPServer


def take_back_signals():
    """A child of a Swift test process inherits its blocked signals; take SIGTERM and SIGINT back so stop() works."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])


def serve(handler, max_seconds):
    """Serves `handler` on 127.0.0.1 (a free port, printed as `PORT <n>`) until `max_seconds` have passed."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    timer = threading.Timer(max_seconds, server.shutdown)
    timer.daemon = True
    timer.start()
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()
