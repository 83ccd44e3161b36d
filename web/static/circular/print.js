/* The circular's print button (a file, not an inline handler: the page's Content-Security-Policy
   runs no inline script). */
document.getElementById("circular-print").addEventListener("click", function () { window.print(); });
