import type { Principal } from '../bus/envelope.js';
import { html, type Html } from '../kernel/html.js';
import { dashboardPath, loginPath } from './session.js';

/** The dashboard's pages and the frame of each panel; every value in them goes through `html` and is escaped. */

export const assetsPath = `${dashboardPath}/assets`;
/** How often each panel asks for itself again. */
export const refreshSeconds = 2;

/** A whole page: the stylesheet and htmx of this host only, no external font, script or style. */
export function page(title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}'>
<title>${title}</title>
<link rel="icon" href="${assetsPath}/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${assetsPath}/dashboard.css">
<script src="${assetsPath}/htmx.min.js" defer></script>
</head>
<body>
${body}
</body>
</html>`;
}

/** The sign-in form; `error` is said above it, `email` kept in it. */
export function loginPage(error?: string, email = ''): Html {
  return page(
    'Sign in · Cleave',
    html`<main class="login-main"><form class="login" method="post" action="${loginPath}">
<h1>Cleave dashboard</h1>
${error ? html`<p role="alert" id="login-error">${error}</p>` : ''}
<label for="email">E-mail</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${email}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form></main>`,
  );
}

/**
 * The dashboard page around its panels, with who is signed in and a sign-out button. The page asks for all its
 * panels again every `refreshSeconds` from `refreshUrl`, in one request: when the session has ended, that one
 * answer sends the page to the sign-in form.
 */
export function dashboardPage(user: Principal, refreshUrl: string, panels: Html[]): Html {
  return page(
    'Cleave dashboard',
    html`<header>
<h1>Cleave dashboard</h1>
<span class="who">Signed in as <strong>${user.email ?? user.sub}</strong> (${user.role})</span>
<button class="quiet" type="button" hx-post="${dashboardPath}/logout">Sign out</button>
</header>
<main hx-get="${refreshUrl}" hx-trigger="every ${refreshSeconds}s" hx-swap="innerHTML">
${panels}
</main>`,
  );
}

/** A panel's frame: the section an action's answer replaces (`hx-target="closest section"`). */
export function panelFrame(id: string, title: string, content: Html): Html {
  return html`<section class="panel" id="${id}" aria-labelledby="${id}-title">
<h2 id="${id}-title">${title}</h2>
${content}
</section>`;
}
