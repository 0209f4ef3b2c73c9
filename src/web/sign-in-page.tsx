// The sign-in page (`/sign-in`): a token, checked by the server and kept there behind a session cookie.
import { renderPage, type PageContext } from './layout';

/** The form; `problem` is why the last try failed, `formToken` the anti-forgery value of this form. */
export function renderSignInPage(ctx: PageContext, { next, formToken, problem }: { next: string; formToken: string; problem: string | null }): string {
  return renderPage(ctx, {
    title: 'Sign in',
    children: (
      <section class="narrow">
        <h1>Sign in</h1>
        <p>Sign in with a Heater token to see private namespaces it may read and to make read links. The token stays on the server; your browser gets a session cookie.</p>
        {problem === null ? null : <p class="notice bad" role="alert" id="sign-in-problem">{problem}</p>}
        <form method="post" action="/sign-in" class="stack">
          <input type="hidden" name="csrf" value={formToken} />
          <input type="hidden" name="next" value={next} />
          <label for="token">Token</label>
          <input id="token" name="token" type="password" required autoComplete="off" spellcheck={false} class="mono"
            aria-invalid={problem === null ? undefined : 'true'} aria-describedby={problem === null ? undefined : 'sign-in-problem'} />
          <button type="submit">Sign in</button>
        </form>
      </section>
    ),
  });
}
