// Runs inside the dashboard page (added with page.addInitScript): measurements and waits that
// must happen in the browser itself, next to the frames the user sees.
window.trailmarkProbe = {
  /** Milliseconds from navigation start to the first result set on screen. */
  firstRows() {
    const mark = performance.getEntriesByName('trailmark:rows')[0];
    return mark ? mark.startTime : null;
  },

  /**
   * Applies one filter change the way a person does (choose an option; type, then Enter) and
   * returns the milliseconds until the first frame that shows the new result.
   */
  async applyFilter(change) {
    const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
    const log = document.querySelector('.event-log');
    const before = log.dataset.resultKey;
    const field = document.querySelector(`.filter-card [name="${change.name}"]`);
    const t0 = performance.now();
    if (change.kind === 'select') {
      field.value = change.value;
      field.dispatchEvent(new Event('change', { bubbles: true }));
    } else {
      const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
      setter.call(field, change.value);
      field.dispatchEvent(new Event('input', { bubbles: true }));
      await frame();
      field.form.requestSubmit();
    }
    for (;;) {
      await frame();
      const state = log.dataset.logState;
      if (log.dataset.resultKey !== before && (state === 'ready' || state === 'empty')) break;
      if (state === 'error') throw new Error('the filter failed');
      if (performance.now() - t0 > 30_000) throw new Error('no result within 30 s');
    }
    return performance.now() - t0;
  },
};
