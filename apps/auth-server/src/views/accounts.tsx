/** @jsxImportSource preact */
/** @jsxRuntime automatic */
import { ErrorBox } from './layout';

export type FormProps = { csrf: string; returnTo: string; email?: string; name?: string; error?: string };

export const LoginForm = (p: FormProps) => (
  <>
    <h1>Sign in to HAL</h1>
    <ErrorBox message={p.error} />
    <form method="post" action="/login">
      <input type="hidden" name="csrf" value={p.csrf} />
      <input type="hidden" name="return_to" value={p.returnTo} />
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="username" required value={p.email ?? ''} />
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
      <button type="submit">Sign in</button>
    </form>
    <p class="muted">
      No account? <a href={`/signup?return_to=${encodeURIComponent(p.returnTo)}`}>Create one</a>
    </p>
  </>
);

export const SignUpForm = (p: FormProps) => (
  <>
    <h1>Create your HAL account</h1>
    <ErrorBox message={p.error} />
    <form method="post" action="/signup">
      <input type="hidden" name="csrf" value={p.csrf} />
      <input type="hidden" name="return_to" value={p.returnTo} />
      <label for="name">Name</label>
      <input id="name" name="name" autocomplete="name" required maxlength={100} value={p.name ?? ''} />
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="username" required value={p.email ?? ''} />
      <label for="password">Password</label>
      <input
        id="password"
        name="password"
        type="password"
        autocomplete="new-password"
        minlength={8}
        required
      />
      <button type="submit">Create account</button>
    </form>
    <p class="muted">
      Already registered? <a href={`/login?return_to=${encodeURIComponent(p.returnTo)}`}>Sign in</a>
    </p>
  </>
);
