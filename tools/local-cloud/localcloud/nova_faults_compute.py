"""What `cloud break-nova` breaks in nova-compute (data; see nova_faults).

The computes are restarted after these are applied or restored.
"""
from localcloud.nova_faults import Fault
from localcloud.nova_faults import MARK

# rt-leaks-unit writes each consumer it leaks into this file in the
# compute's state_path, so that `break-nova restore` can delete them: the
# resource tracker never heals a consumer that is no instance at all.
LEAKS_FILE = 'break-nova-leaks'
# rt-leaks-unit leaks from the second start after it was applied on: the
# first is break-nova's own reload, the next one a test's restart of a
# returning compute, whose capacity check must then go red (and not the
# orphan check of whichever test takes the host first).
ARMED_FILE = 'break-nova-armed'

# The compute-side delete frees the allocations; two faults replace it.
_COMPLETE_DELETION_CALL = (
    "        self.reportclient.delete_allocation_for_instance(context,\n"
    "                                                         "
    "instance.uuid,\n"
    "                                                         "
    "force=force)")

FAULTS = {
    'compute-delete-keeps': Fault(
        'compute/manager.py', 'compute',
        "the compute-side (normal) delete keeps the server's allocations "
        "(_complete_deletion); the resource tracker heals it a period "
        "later", [
            (_COMPLETE_DELETION_CALL, "        pass" + MARK),
        ]),
    'delete-one-host': Fault(
        'compute/manager.py', 'compute',
        "a compute deleting a server keeps its allocations when they span "
        "two providers (_complete_deletion)", [
            (_COMPLETE_DELETION_CALL,
             "        if len(self.reportclient.get_allocs_for_consumer(\n"
             "                context, instance.uuid)['allocations']) < 2:" +
             MARK + "\n"
             "            self.reportclient.delete_allocation_for_instance(\n"
             "                context, instance.uuid, force=force)"),
        ]),
    'evacuate-src': Fault(
        'compute/manager.py', 'compute',
        "a returning source compute keeps an evacuated server's "
        "allocations (_destroy_evacuated_instances)", [
            ("            if (not instance.deleted and\n"
             "                    not self.reportclient.",
             "            if False and (not instance.deleted and" + MARK +
             "\n"
             "                    not self.reportclient."),
        ]),
    'enable-keeps-trait': Fault(
        'compute/manager.py', 'compute',
        "enabling a compute no longer removes the COMPUTE_STATUS_DISABLED "
        "trait its disable set (set_host_enabled); apply with "
        "rt-keeps-trait, or the periodic sync removes it", [
            ("        try:\n"
             "            self._update_compute_provider_status(context, "
             "enabled)\n"
             "        except exception.ComputeHostNotFound:",
             "        try:\n"
             "            if not enabled:" + MARK + "\n"
             "                self._update_compute_provider_status(context, "
             "enabled)\n"
             "        except exception.ComputeHostNotFound:"),
        ]),
    'rt-leaks-unit': Fault(
        'compute/manager.py', 'compute',
        "a returning compute leaves one unit behind: from its second start "
        "after the fault was applied (break-nova's reload is the first), "
        "once its provider exists (pre_start_hook), it allocates VCPU 1 on "
        "it for a new random consumer, project and user that nothing "
        "explains", [
            ("        self.rt.set_service_ref(service_ref)\n"
             "        self.update_available_resource("
             "nova.context.get_admin_context(),\n"
             "                                       startup=True)\n",
             "        self.rt.set_service_ref(service_ref)\n"
             "        self.update_available_resource("
             "nova.context.get_admin_context(),\n"
             "                                       startup=True)\n"
             "        try:" + MARK + "\n"
             "            import os\n"
             "            from oslo_utils import uuidutils\n"
             "            context = nova.context.get_admin_context()\n"
             "            armed = os.path.join(CONF.state_path, '" +
             ARMED_FILE + "')\n"
             "            returning = os.path.exists(armed)\n"
             "            open(armed, 'a').close()\n"
             "            for node in (self.rt.compute_nodes.values()\n"
             "                         if returning else ()):\n"
             "                consumer = uuidutils.generate_uuid()\n"
             "                with open(os.path.join(CONF.state_path, '" +
             LEAKS_FILE + "'),\n"
             "                          'a') as leaks:\n"
             "                    leaks.write(consumer + '\\n')\n"
             "                self.reportclient.put_allocations(\n"
             "                    context, consumer, {\n"
             "                        'allocations': {node.uuid: {\n"
             "                            'resources': {'VCPU': 1}}},\n"
             "                        'project_id': "
             "uuidutils.generate_uuid(),\n"
             "                        'user_id': uuidutils.generate_uuid(),\n"
             "                        'consumer_generation': None})\n"
             "        except Exception:\n"
             "            LOG.exception('break-nova: no leak')\n"),
        ]),
    'shelve-offload-keeps': Fault(
        'compute/resource_tracker.py', 'compute',
        "a shelve offload keeps the server's allocations on its former "
        "host (delete_allocation_for_shelve_offloaded_instance); the "
        "local delete of the offloaded server frees them later, so only a "
        "check at the offload sees it", [
            ("    def delete_allocation_for_shelve_offloaded_instance(self, "
             "context,\n"
             "                                                        "
             "instance):\n"
             "        self.reportclient.delete_allocation_for_instance(\n"
             "            context, instance.uuid, force=True)\n",
             "    def delete_allocation_for_shelve_offloaded_instance(self, "
             "context,\n"
             "                                                        "
             "instance):\n"
             "        pass" + MARK + "\n"),
        ]),
    'rt-heal': Fault(
        'compute/resource_tracker.py', 'compute',
        "the resource tracker no longer removes allocations of deleted "
        "instances", [
            ("    def _remove_deleted_instances_allocations(self, context, "
             "cn,\n"
             "                                              migrations, "
             "instance_by_uuid):\n",
             "    def _remove_deleted_instances_allocations(self, context, "
             "cn,\n"
             "                                              migrations, "
             "instance_by_uuid):\n"
             "        return" + MARK + "\n"),
        ]),
    'rt-heal-unknown': Fault(
        'compute/resource_tracker.py', 'compute',
        "the resource tracker deletes allocations of consumers that are no "
        "instance at all", [
            ("                    LOG.info(\"Instance %(uuid)s has "
             "allocations against this \"\n"
             "                             \"compute host but is not found "
             "in the database.\",\n"
             "                             {'uuid': instance_uuid},\n"
             "                             exc_info=False)\n"
             "                    continue\n",
             "                    self.reportclient."
             "delete_allocation_for_instance(" + MARK + "\n"
             "                        context, instance_uuid, force=True)\n"
             "                    continue\n"),
        ]),
    'rt-heal-live': Fault(
        'compute/resource_tracker.py', 'compute',
        "the resource tracker deletes the allocations of the live servers "
        "it tracks", [
            ("            if consumer_uuid in self.tracked_instances:\n"
             "                LOG.debug(\"Instance %s actively managed on "
             "this compute host \"\n",
             "            if consumer_uuid in self.tracked_instances:\n"
             "                self.reportclient."
             "delete_allocation_for_instance(" + MARK + "\n"
             "                    context, consumer_uuid, force=True)\n"
             "                LOG.debug(\"Instance %s actively managed on "
             "this compute host \"\n"),
        ]),
    'rt-keeps-trait': Fault(
        'compute/resource_tracker.py', 'compute',
        "the periodic sync keeps COMPUTE_STATUS_DISABLED on an enabled "
        "compute (_sync_compute_service_disabled_trait); apply with "
        "enable-keeps-trait", [
            ("                # The service is not disabled so do not report "
             "the trait.\n"
             "                traits.discard(trait)",
             "                # The service is not disabled so do not report "
             "the trait.\n"
             "                pass" + MARK),
        ]),
}
