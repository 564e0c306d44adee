/**
 * Run by index.html as soon as it arrives (an async classic script: neither the stylesheet nor the parser holds it),
 * while the app's script is still on its way or being compiled, which happens off the main thread. A page's first Intl
 * formatter loads the ICU data (tens of milliseconds on a busy box) and its first storage read opens the origin's
 * storage: done here, neither waits on the way to the overview's first picture. The formatters are thrown away; what
 * they loaded stays with the page. A plain file of its own, so that nothing of the app's holds it back.
 */
new Intl.NumberFormat(undefined, { style: 'percent' }).format(1);
new Intl.DateTimeFormat(undefined, { timeStyle: 'short' }).format(0);
void localStorage.length;
