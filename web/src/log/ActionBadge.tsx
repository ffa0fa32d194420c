import { Badge } from '../components/ui.js';
import { actionVariant } from '../lib/actions.js';

export function ActionBadge({ action }: { action: string }) {
  return (
    <Badge variant={actionVariant(action)}>
      <span className="mono">{action}</span>
    </Badge>
  );
}
