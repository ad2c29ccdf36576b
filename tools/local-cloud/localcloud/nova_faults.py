"""What `cloud break-nova` breaks in nova-api and nova-conductor (data).

One Fault per name: the file under the venv's nova package, the kind of
service that imports it (which one break_nova reloads: 'api', 'conductor'
or 'compute'), what it breaks (`cloud break-nova list` prints it), and
its text replacements. Each pattern must occur exactly once in the
installed Nova's source (`cloud break-nova check`); every replacement
carries MARK so a patched file shows what was done to it. One set serves
every release of settings.RELEASES: each pattern occurs once, and each
patched file compiles, in nova 31.3.1, 32.2.1, 33.0.2 and 34.0.0 alike
(checked against the released wheels, doc/source/releases.rst), so no
fault differs per release. The compute's faults are in
nova_faults_compute.py. Two faults that patch the same text cannot be
applied together (apply stops at the pattern it no longer finds).
"""
import collections

MARK = '  # BROKEN ON PURPOSE by cloud break-nova'

Fault = collections.namedtuple('Fault', 'path kind about replacements')

# nova-api's local delete frees the allocations right before the callback;
# two faults replace this same call.
_LOCAL_DELETE_CALL = (
    "            self.placementclient.delete_allocation_for_instance(\n"
    "                context, instance.uuid, force=True)\n"
    "            cb(context, instance, bdms, local=True)")

FAULTS = {
    'local-delete': Fault(
        'compute/api.py', 'api',
        "nova-api's local delete keeps the allocations (_local_delete, "
        "_local_delete_cleanup)", [
            (_LOCAL_DELETE_CALL,
             "            pass" + MARK + "\n"
             "            cb(context, instance, bdms, local=True)"),
            ("        try:\n"
             "            self.placementclient.delete_allocation_for_instance("
             "\n"
             "                context, instance_uuid, force=True)\n"
             "        except exception.AllocationDeleteFailed:",
             "        try:\n"
             "            pass" + MARK + "\n"
             "        except exception.AllocationDeleteFailed:"),
        ]),
    'local-delete-two-providers': Fault(
        'compute/api.py', 'api',
        "nova-api's local delete keeps the allocations of a consumer on two "
        "or more providers (an evacuated server whose source and "
        "destination are both down); one provider: freed (_local_delete)", [
            (_LOCAL_DELETE_CALL,
             "            if len(self.placementclient.get_allocs_for_consumer("
             "\n"
             "                    context, instance.uuid)['allocations']) < 2:"
             + MARK + "\n"
             "                self.placementclient."
             "delete_allocation_for_instance(\n"
             "                    context, instance.uuid, force=True)\n"
             "            cb(context, instance, bdms, local=True)"),
        ]),
    # A local delete that frees more than its own server: only a check of
    # the other servers on the held host (a shared hold's neighbours)
    # sees it; the deleted server's own consumer reads empty.
    'local-delete-frees-neighbour': Fault(
        'compute/api.py', 'api',
        "nova-api's local delete also frees the allocations of one other "
        "server on the same host, the first by uuid (_local_delete)", [
            (_LOCAL_DELETE_CALL,
             "            self.placementclient.delete_allocation_for_instance("
             "\n"
             "                context, instance.uuid, force=True)\n"
             "            for neighbour in sorted(" + MARK + "\n"
             "                    objects.InstanceList.get_by_host(\n"
             "                        context.elevated(), instance.host)\n"
             "                    if instance.host else [],\n"
             "                    key=lambda other: other.uuid):\n"
             "                if neighbour.uuid != instance.uuid:\n"
             "                    self.placementclient."
             "delete_allocation_for_instance(\n"
             "                        context, neighbour.uuid, force=True)\n"
             "                    break\n"
             "            cb(context, instance, bdms, local=True)"),
        ]),
    'delete-remote': Fault(
        'compute/api.py', 'api',
        "nova-api never deletes locally: a forced-down compute that still "
        "runs gets the delete (_delete)", [
            ("                    is_local_delete = not self.servicegroup_api."
             "service_is_up(\n"
             "                        service)",
             "                    is_local_delete = False" + MARK),
        ]),
    'build-delete-keeps': Fault(
        'compute/api.py', 'api',
        "nova-api's delete of a server no compute took yet (no "
        "instance.host) keeps its allocations; bug 1859496 (_delete)", [
            # Each branch of _delete for a server without instance.host:
            # only the instance mapping is updated, the allocations stay.
            ("                if self._delete_while_booting(context, "
             "instance):\n"
             "                    self._local_delete_cleanup(context, "
             "instance.uuid)\n",
             "                if self._delete_while_booting(context, "
             "instance):\n"
             "                    self._update_queued_for_deletion(" + MARK +
             "\n"
             "                        context, instance.uuid, True)\n"),
            ("                    # The instance was deleted or is already "
             "gone.\n"
             "                    self._local_delete_cleanup(context, "
             "instance.uuid)\n",
             "                    self._update_queued_for_deletion(" + MARK +
             "\n"
             "                        context, instance.uuid, True)\n"),
            ("                    self._local_delete_cleanup(context, "
             "instance.uuid)\n"
             "                    return\n"
             "                except exception.ObjectActionError as ex:\n",
             "                    self._update_queued_for_deletion(" + MARK +
             "\n"
             "                        context, instance.uuid, True)\n"
             "                    return\n"
             "                except exception.ObjectActionError as ex:\n"),
        ]),
    'unforce-evacuated': Fault(
        'api/openstack/compute/services.py', 'api',
        "forced_down can be cleared while evacuations from the host are "
        "\"done\" (services.py: _check_for_evacuations)", [
            ("    def _check_for_evacuations(self, context, hostname):\n",
             "    def _check_for_evacuations(self, context, hostname):\n"
             "        return" + MARK + "\n"),
        ]),
    'service-delete-400': Fault(
        'api/openstack/compute/services.py', 'api',
        "DELETE /os-services answers 400, not 409, for a host with servers "
        "or migrations (services.py: delete)", [
            ("                if num_instances:\n"
             "                    raise webob.exc.HTTPConflict(",
             "                if num_instances:\n"
             "                    raise webob.exc.HTTPBadRequest(" + MARK),
            ("                raise webob.exc.HTTPConflict(\n"
             "                    explanation=_(\n"
             "                        'Unable to delete compute service that "
             "has '\n"
             "                        'in-progress migrations.",
             "                raise webob.exc.HTTPBadRequest(" + MARK + "\n"
             "                    explanation=_(\n"
             "                        'Unable to delete compute service that "
             "has '\n"
             "                        'in-progress migrations."),
        ]),
    'evacuate-novalid-drops': Fault(
        'conductor/manager.py', 'conductor',
        "an evacuation that finds no host drops the server's allocations "
        "(conductor: rebuild_instance)", [
            # The branch a scheduled (no host named) evacuation takes.
            ("                        ValueError) as ex:\n"
             "                    if migration:\n"
             "                        migration.status = 'error'\n",
             "                        ValueError) as ex:\n"
             "                    self.report_client."
             "delete_allocation_for_instance(" + MARK + "\n"
             "                        context, instance.uuid, force=True)\n"
             "                    if migration:\n"
             "                        migration.status = 'error'\n"),
        ]),
}
