// Progressive enhancement for the console. Every page works without it: dates are already written in
// the person's language (in UTC), ids can be selected with one click, secrets are on the page.

const copy = async (button, text) => {
  await navigator.clipboard.writeText(text);
  const before = button.textContent;
  button.textContent = 'Copied';
  setTimeout(() => {
    button.textContent = before;
  }, 1500);
};

// Copy buttons for secrets shown once.
for (const button of document.querySelectorAll('[data-copy]')) {
  button.hidden = false;
  button.addEventListener('click', () => {
    const source = document.getElementById(button.dataset.copy);
    if (source) void copy(button, source.textContent.trim());
  });
}

// A copy button beside each id.
for (const id of document.querySelectorAll('code[data-copyable]')) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'copy';
  button.textContent = 'Copy';
  button.setAttribute('aria-label', `Copy ${id.textContent.trim()}`);
  button.addEventListener('click', () => void copy(button, id.textContent.trim()));
  id.after(button);
}

// Dates in the browser's own time zone (the server only knows the language, so it writes UTC).
const local = new Intl.DateTimeFormat(document.documentElement.dataset.locale || undefined, {
  dateStyle: 'medium',
  timeStyle: 'short',
});
for (const time of document.querySelectorAll('time[data-local]')) {
  const at = new Date(time.dateTime);
  if (!Number.isNaN(at.getTime())) time.textContent = local.format(at);
}

// On a phone the sections scroll sideways: bring the current one into view (again when the window
// narrows to a phone's width).
const current = document.querySelector('.side-nav a[aria-current="page"]');
const showCurrent = () => {
  const row = current?.closest('ul');
  // Only the row scrolls, never the page.
  if (row && current) row.scrollLeft = current.offsetLeft - row.offsetLeft - 16;
};
showCurrent();
window.matchMedia('(max-width: 48rem)').addEventListener('change', (event) => {
  if (event.matches) showCurrent();
});
