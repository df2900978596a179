import type { Settings, SettingsPatch } from '../../shared/schemas/settings';
import type { Actor, ServiceContext } from './context';

/** Changes settings (methods on/off included) in one transaction with its audit entry. */
export function updateSettings(ctx: ServiceContext, patch: SettingsPatch, actor: Actor): Settings {
  try {
    const next = ctx.store.tx(() => {
      const { next, changed } = ctx.settings.apply(patch);
      if (Object.keys(changed).length > 0) {
        ctx.audit.append({ actor, action: 'settings.update', outcome: 'success', details: { changed } });
      }
      return next;
    });
    return next;
  } finally {
    ctx.settings.refresh();
  }
}
