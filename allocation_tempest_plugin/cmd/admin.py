# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""The command-line tools' login: one tempest.conf's admin account.

Tempest's test classes log in through its credential providers; the tools
outside a test (allocation-tempest-recover, allocation-tempest-audit, the
local cloud's kill-matrix, hostile, crowd, run-defaults and bench) point
Tempest at a tempest.conf with use_config() and log in here, as the
configured admin account, with the TLS settings of that file. Both then
build their clients with the read layer's factory (reads/clients.py).
"""

import functools
import os
import traceback

from tempest.common import credentials_factory
from tempest import config
from tempest.lib import auth

from allocation_tempest_plugin.reads import clients as reads_clients


def add_config_file(parser):
    """--config-file: the tempest.conf whose admin account the tool uses."""
    parser.add_argument('--config-file', required=True,
                        help='tempest.conf with admin credentials')


def use_config(path):
    """Make Tempest read path; call before the first use of config.CONF."""
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise IOError('no such configuration file: %s' % path)
    # Tempest reads its configuration file from these on first use.
    os.environ['TEMPEST_CONFIG_DIR'] = os.path.dirname(path)
    os.environ['TEMPEST_CONFIG'] = os.path.basename(path)
    return path


def run_main(main, *args):
    """main(*args); an uncaught error's traceback on stderr, exit 1.

    Once Tempest has read its configuration, oslo.log's excepthook sends
    an uncaught exception to tempest.log only: a tool run by hand would
    fail without a word on the terminal.
    """
    try:
        return main(*args)
    except Exception:
        traceback.print_exc()
        return 1


def tls():
    """[identity] TLS settings, as Tempest's auth and client keywords."""
    identity = config.CONF.identity
    return dict(disable_ssl_certificate_validation=(
        identity.disable_ssl_certificate_validation),
        ca_certs=identity.ca_certificates_file)


def credentials():
    """The configured admin account ([auth] admin_*)."""
    return credentials_factory.get_configured_admin_credentials()


def auth_provider():
    return auth.KeystoneV3AuthProvider(
        credentials(), config.CONF.identity.uri_v3, **tls())


def client_params(service, **overrides):
    """Tempest's keywords for a client of service, with overrides."""
    params = config.service_client_config(service)
    if service == 'identity':
        # Tempest leaves identity's out: it differs between v2 and v3.
        params['endpoint_type'] = config.CONF.identity.v3_endpoint_type
    return dict(params, **overrides)


def clients(provider=None, compute_microversion=None,
            placement_microversion=None, **overrides):
    """The read layer's clients as the configured admin.

    provider: another auth provider for the same login (one already
    authenticated, or one redirected through a proxy); overrides: client
    keywords for every service (http_timeout=...).
    """
    return reads_clients.Clients(
        provider or auth_provider(),
        functools.partial(client_params, **overrides),
        compute_microversion=compute_microversion,
        placement_microversion=placement_microversion)
