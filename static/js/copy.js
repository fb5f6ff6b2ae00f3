// Copy buttons: a button with data-copy="ID" copies the text of the element ID to the clipboard. Progressive
// enhancement: without JavaScript or the clipboard API the button stays hidden and the text is selected by hand.
(function () {
  "use strict";

  if (!navigator.clipboard) {
    return;
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      const text = document.getElementById(button.dataset.copy).textContent.trim();
      navigator.clipboard.writeText(text).then(
        function () {
          button.textContent = "Copied";
        },
        function () {
          button.textContent = "Copy failed: select the token and copy it";
        },
      );
    });
  });
})();
