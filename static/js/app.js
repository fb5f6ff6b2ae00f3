// OfficeSeries admin center: progressive enhancement only. Every page works without this file (links open
// full pages, forms post and redirect); with it, the license dialog is a modal and list selection is easier.
(function () {
  "use strict";

  const FOCUSABLE = [
    "a[href]",
    "button:not([disabled])",
    "input:not([disabled]):not([type=hidden])",
    "select:not([disabled])",
    "textarea:not([disabled])",
    "[tabindex]:not([tabindex='-1'])",
  ].join(",");

  // The id of the element that opened the dialog: the row it lives in is replaced after Save.
  let openerId = null;

  function dialogHost() {
    return document.getElementById("dialog-host");
  }

  function openDialog() {
    const dialog = dialogHost().querySelector("dialog");
    if (!dialog) {
      return;
    }
    if (!dialog.open) {
      dialog.addEventListener("close", clearDialog);
      dialog.addEventListener("click", function (event) {
        if (event.target === dialog) {
          dialog.close(); // a click on the backdrop
        }
      });
      dialog.showModal();
    }
    focusInDialog(dialog);
  }

  function focusInDialog(dialog) {
    const target =
      dialog.querySelector("[role=alert]") ||
      dialog.querySelector("input[type=checkbox]:not([disabled])") ||
      dialog.querySelector(FOCUSABLE);
    if (target) {
      target.focus();
    }
  }

  function clearDialog() {
    dialogHost().replaceChildren();
    restoreFocus();
  }

  function restoreFocus() {
    const opener = openerId && document.getElementById(openerId);
    openerId = null;
    if (opener) {
      opener.focus();
    }
  }

  // Tab and Shift+Tab cycle inside the open dialog, so focus never leaves it for the page or the browser.
  function trapTab(event) {
    const dialog = event.target.closest && event.target.closest("dialog[open]");
    if (event.key !== "Tab" || !dialog) {
      return;
    }
    const items = Array.from(dialog.querySelectorAll(FOCUSABLE)).filter(function (element) {
      return element.getClientRects().length > 0;
    });
    if (items.length === 0) {
      return;
    }
    const first = items[0];
    const last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  document.addEventListener("keydown", trapTab);

  document.addEventListener("click", function (event) {
    const closer = event.target.closest("[data-dialog-close]");
    const dialog = closer && closer.closest("dialog");
    if (dialog) {
      event.preventDefault();
      dialog.close();
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    const element = event.detail.elt;
    if (element.hasAttribute("data-opens-dialog")) {
      openerId = element.id;
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    const target = event.detail.target;
    if (!target) {
      return; // a page restored from history (Back, Forward) settles without a request's target
    }
    if (target.id === "dialog-host") {
      if (target.querySelector("dialog")) {
        openDialog();
      } else {
        restoreFocus(); // saved: the dialog's content was swapped out
      }
    } else if (target.id === "license-dialog") {
      focusInDialog(target); // an error replaced the dialog's content
    }
  });

  // Row selection for the bulk bar: "select all on this page" and a count of the selected users.
  function updateSelection(form) {
    const boxes = form.querySelectorAll("input[name=users]");
    const checked = form.querySelectorAll("input[name=users]:checked").length;
    const all = form.querySelector("[data-select-all]");
    if (all) {
      all.checked = boxes.length > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
    const allMatching = form.querySelector("[data-all-matching]");
    const count = form.querySelector("[data-selected-count]");
    if (count) {
      if (allMatching && allMatching.checked) {
        count.textContent = "All " + allMatching.dataset.count + " that match selected";
      } else {
        count.textContent = checked ? checked + " selected" : "";
      }
    }
    const openSelected = form.querySelector("[data-open-selected]");
    if (openSelected) {
      openSelected.disabled = checked !== 1; // one selected row: its license assignments
    }
    boxes.forEach(function (box) {
      const row = box.closest("tr");
      if (row) {
        row.classList.toggle("is-selected", box.checked);
      }
    });
  }

  function enhanceBulkForm() {
    const form = document.getElementById("bulk-form");
    if (!form) {
      return;
    }
    form.querySelectorAll("[data-select-all], [data-open-selected]").forEach(function (control) {
      control.hidden = false;
    });
    updateSelection(form);
  }

  // Selecting a row: a click on it that is not on one of its controls ticks or unticks it.
  document.addEventListener("click", function (event) {
    const row = event.target.closest("#bulk-form tr[data-user-id]");
    if (!row || event.target.closest("a, button, input, label, select")) {
      return;
    }
    const box = row.querySelector("input[name=users]");
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // "License assignments" in the bulk bar opens the one selected user's dialog, as their row's button does.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-open-selected]");
    const form = button && button.closest("#bulk-form");
    const box = form && form.querySelector("input[name=users]:checked");
    if (box) {
      const opener = document.getElementById("open-licenses-" + box.value);
      if (opener) {
        opener.click();
      }
    }
  });

  document.addEventListener("change", function (event) {
    const form = event.target.closest("#bulk-form");
    if (!form) {
      return;
    }
    // Every user that matches includes this page's rows; unticking one of them means only the rows ticked.
    const allMatching = form.querySelector("[data-all-matching]");
    if (event.target.matches("[data-select-all], [data-all-matching]")) {
      form.querySelectorAll("input[name=users]").forEach(function (box) {
        box.checked = event.target.checked;
      });
    }
    if (allMatching && event.target.matches("[data-select-all], input[name=users]") && !event.target.checked) {
      allMatching.checked = false;
    }
    updateSelection(form);
  });

  document.addEventListener("DOMContentLoaded", enhanceBulkForm);
  document.addEventListener("htmx:afterSettle", enhanceBulkForm);

  // Adding a group: the rule editor is a dynamic group's, so for an assigned one it is hidden and, disabled, not
  // sent. Without this file it stays shown, and a rule given to an assigned group is refused with the reason.
  function syncRuleEditor() {
    const editor = document.querySelector("[data-rule-editor]");
    const kind = document.querySelector("input[name=kind]:checked");
    if (!editor || !kind) {
      return; // editing a group: its kind is fixed
    }
    const dynamic = kind.value === "dynamic";
    editor.hidden = !dynamic;
    editor.disabled = !dynamic;
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("input[name=kind]")) {
      syncRuleEditor();
    }
  });
  document.addEventListener("DOMContentLoaded", syncRuleEditor);
})();
