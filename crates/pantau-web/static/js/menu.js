// On a phone the menu folds behind one button, so a page starts with its content. Loaded in
// <head> without defer: the `js` class is set before the page is drawn, and the menu stays open
// wherever this script does not run.
document.documentElement.classList.add('js');
document.addEventListener('DOMContentLoaded', () => {
  const top = document.querySelector('header.top');
  const button = top && top.querySelector('.menu-toggle');
  if (!button) return;
  button.addEventListener('click', () => {
    const open = top.classList.toggle('open');
    button.setAttribute('aria-expanded', String(open));
  });
});
// A row of tabs wider than the phone scrolls sideways: bring the current one into view.
document.addEventListener('DOMContentLoaded', () => {
  const current = document.querySelector('nav.tabs [aria-current="page"]');
  const tabs = current && current.parentElement;
  if (tabs && tabs.scrollWidth > tabs.clientWidth) {
    tabs.scrollLeft = current.offsetLeft - tabs.offsetLeft - (tabs.clientWidth - current.offsetWidth) / 2;
  }
});
