import type { ConnectorPlugin, TaskConfig } from '../plugin/index.ts';
import { hasPlaceholder } from './config-placeholders.ts';
import { tasksMax } from './connector-config.ts';

/**
 * Plans at most tasks.max task configs (Kafka Connect: min(tasks.max, what the connector offers)).
 * Values that came from a placeholder are stored as the placeholder again (Kafka Connect's reverse
 * transform), so no resolved secret lands in the config store or on GET /tasks.
 */
export function planTasks(
  plugin: ConnectorPlugin,
  pluginConfig: Parameters<ConnectorPlugin['planTasks']>[0],
  raw: Readonly<Record<string, string>>,
  resolved: Readonly<Record<string, string>>,
): TaskConfig[] {
  const max = tasksMax(raw);
  return plugin
    .planTasks(pluginConfig, max)
    .slice(0, max)
    .map((task) =>
      Object.fromEntries(
        Object.entries(task).map(([key, value]) => {
          const original = raw[key];
          const fromPlaceholder =
            original !== undefined && hasPlaceholder(original) && resolved[key] === value;
          return [key, fromPlaceholder ? original : value];
        }),
      ),
    );
}
