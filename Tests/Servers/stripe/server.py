#!/usr/bin/env python3
"""A Stripe-API test server: localstripe, made faithful where a payment
plugin needs it (see ../README.md), listening on one loopback address.

  server.py --host 127.0.0.1 --port 0 --port-file PATH

--port 0 lets the system choose a free port; the chosen one is written to
--port-file once the server accepts connections. The whole store stays in
memory: nothing is read from or written to disk.
"""

import argparse
import asyncio
import logging
import os
import signal
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from aiohttp import web  # noqa: E402

import card_catalog  # noqa: E402
import control  # noqa: E402
import events  # noqa: E402
import localstripe_base  # noqa: E402
import payment_intent_routes  # noqa: E402
import pipeline  # noqa: E402
import refunds  # noqa: E402
import stock_routes  # noqa: E402
from faults import FaultQueue  # noqa: E402
from idempotency import IdempotencyStore  # noqa: E402
from request_log import RequestLog  # noqa: E402


def build_app():
    localstripe_base.install()
    card_catalog.install()
    events.install()
    faults, log = FaultQueue(), RequestLog()
    app = web.Application(middlewares=[
        pipeline.control_errors,
        pipeline.make_middleware(faults, IdempotencyStore(), log)])
    app.on_response_prepare.append(pipeline.add_headers)
    payment_intent_routes.add_routes(app)
    refunds.add_routes(app)
    stock_routes.add_routes(app)
    events.add_routes(app)
    control.add_routes(app, faults, log)
    return app


async def serve(host, port, port_file):
    # handler_cancellation=False: a client that disconnects (or is killed)
    # mid-request does not cancel it; the request completes, as at Stripe.
    runner = web.AppRunner(build_app(), handler_cancellation=False,
                           shutdown_timeout=2.0,
                           access_log=logging.getLogger('aiohttp.access'))
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    chosen = site._server.sockets[0].getsockname()[1]
    if port_file:
        # Written whole, then renamed, so a reader never sees a partial port.
        with open(port_file + '.tmp', 'w') as f:
            f.write('%d\n' % chosen)
        os.replace(port_file + '.tmp', port_file)
    print('Stripe test server listening on http://%s:%d' % (host, chosen),
          flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await runner.cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--port-file')
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format='%(asctime)s %(name)s %(message)s')
    asyncio.run(serve(args.host, args.port, args.port_file))


if __name__ == '__main__':
    main()
