// Kith's passkey ceremonies. Everything else on these pages works without
// JavaScript; this file only drives navigator.credentials through
// @simplewebauthn/browser (global SimpleWebAuthnBrowser) and talks to
// /auth/* with the page's CSRF token.
(() => {
  const webauthn = window.SimpleWebAuthnBrowser;
  const csrfToken = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
  const statusEl = document.querySelector('[data-kith-status]');

  const say = (message, kind, el = statusEl) => {
    if (!el) return;
    el.textContent = message;
    el.className = `status${kind ? ` status--${kind}` : ''}`;
    el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  };

  class CeremonyError extends Error {
    constructor(code, message) {
      super(message);
      this.code = code;
    }
  }

  async function post(url, body) {
    const res = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
      body: JSON.stringify(body ?? {}),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok)
      throw new CeremonyError(data.code ?? 'INTERNAL_ERROR', data.title ?? 'Something went wrong.');
    return data;
  }

  const messages = {
    SIGN_IN_FAILED: 'Sign-in failed. Try again, or use a recovery code.',
    RATE_LIMITED: 'Too many attempts. Please wait a few minutes, then try again.',
    CSRF_FAILED: 'This page has expired. Reload it and try again.',
    ENROLLMENT_INVALID: 'This link does not work any more. Ask for a new one.',
    CHALLENGE_INVALID: 'That took too long or was already used. Please try again.',
    VALIDATION_FAILED: 'Please check what you typed and try again.',
  };

  function explain(error) {
    if (error instanceof CeremonyError) return messages[error.code] ?? error.message;
    if (error?.name === 'NotAllowedError')
      return 'The passkey request was cancelled or timed out. Please try again.';
    if (error?.name === 'InvalidStateError') return 'This device already holds a passkey for your vault.';
    return 'Your browser could not complete the passkey request. Please try again.';
  }

  /** Runs a ceremony from a button: disables it, reports progress and failure. */
  function onClick(selector, run) {
    for (const button of document.querySelectorAll(selector)) {
      button.addEventListener('click', async () => {
        button.disabled = true;
        button.setAttribute('aria-busy', 'true');
        say('Waiting for your passkey…');
        try {
          await run(button);
        } catch (error) {
          if (error?.name !== 'AbortError') say(explain(error), 'error');
        } finally {
          button.disabled = false;
          button.removeAttribute('aria-busy');
        }
      });
    }
  }

  async function signIn(useBrowserAutofill) {
    const optionsJSON = await post('/auth/sign-in/options');
    const response = await webauthn.startAuthentication({ optionsJSON, useBrowserAutofill });
    say('Checking…');
    const next = document.querySelector('[data-kith="sign-in"]')?.getAttribute('data-next') ?? '/';
    const { redirect } = await post('/auth/sign-in/verify', { response, next });
    window.location.assign(redirect);
  }

  async function reauthenticate() {
    const optionsJSON = await post('/auth/reauthenticate/options');
    const response = await webauthn.startAuthentication({ optionsJSON });
    await post('/auth/reauthenticate/verify', { response });
  }

  async function addPasskey(button) {
    let optionsJSON;
    try {
      optionsJSON = await post('/auth/passkeys/options');
    } catch (error) {
      // Adding a way in needs a fresh proof of presence: ask for one, then carry on.
      if (!(error instanceof CeremonyError) || error.code !== 'REAUTHENTICATION_REQUIRED') throw error;
      say('First, confirm it is you with a passkey you already have.');
      await reauthenticate();
      optionsJSON = await post('/auth/passkeys/options');
    }
    say('Now create the new passkey.');
    const response = await webauthn.startRegistration({ optionsJSON });
    const { redirect } = await post('/auth/passkeys/verify', { response });
    // After a recovery code, on to where she was going (the server checked it stays on this site).
    window.location.assign(button.getAttribute('data-next') ?? redirect);
  }

  async function enroll(button) {
    const form = button.closest('[data-kith="enroll-form"]');
    const token = form?.getAttribute('data-token') ?? '';
    const nameInput = form?.querySelector('input[name="name"]');
    if (nameInput && !nameInput.value.trim()) {
      say('Please enter your name first.', 'error');
      nameInput.focus();
      return;
    }
    const optionsJSON = await post('/auth/enroll/options', { token, name: nameInput?.value });
    const response = await webauthn.startRegistration({ optionsJSON });
    say('Saving your passkey…');
    const { redirect } = await post('/auth/enroll/verify', { token, response });
    window.location.assign(redirect);
  }

  if (!webauthn?.browserSupportsWebAuthn()) {
    say('This browser cannot use passkeys. Try another browser, or use a recovery code.', 'error');
    return;
  }

  onClick('[data-kith="sign-in"]', () => signIn(false));
  onClick('[data-kith="add-passkey"]', addPasskey);
  onClick('[data-kith="enroll"]', enroll);
  onClick('[data-kith="reauthenticate"]', async () => {
    await reauthenticate();
    say('Confirmed. You can make the change now.', 'success');
    window.location.assign('/security');
  });

  // Copy buttons (recovery codes): the items of the list they name, one a line.
  for (const button of document.querySelectorAll('[data-kith-copy]')) {
    button.hidden = false;
    button.addEventListener('click', async () => {
      const list = document.querySelector(`[data-kith="${button.dataset.kithCopy}"]`);
      const text = [...(list?.querySelectorAll('code') ?? [])].map((code) => code.textContent).join('\n');
      // Said where the person is looking: next to the button, not at the top of a long page.
      const status =
        document.querySelector(`[data-kith-copy-status="${button.dataset.kithCopy}"]`) ?? statusEl;
      try {
        await navigator.clipboard.writeText(text);
        say('Copied. Paste them into your password manager now.', 'success', status);
      } catch {
        say('Copying was refused by the browser: download them as a file instead.', 'error', status);
      }
      // On a phone the buttons can sit at the bottom edge, with the answer just below it.
      status?.scrollIntoView({ block: 'nearest' });
    });
  }

  // Conditional UI: the browser offers saved passkeys in the field's autofill (WebAuthn L3 §5.1.4.1).
  if (document.querySelector('[data-kith="sign-in"]')) {
    webauthn
      .browserSupportsWebAuthnAutofill()
      .then((supported) => (supported ? signIn(true) : undefined))
      .catch((error) => {
        // The browser's offer ending unused — cancelled when the button starts its own ceremony, or
        // timed out, or dismissed — is not a failed attempt: nothing is said before the person tries.
        // A passkey the person picked that the vault then refused is (a CeremonyError).
        if (error instanceof CeremonyError) say(explain(error), 'error');
      });
  }
})();
