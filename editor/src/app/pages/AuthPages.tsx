import { useState, type FormEvent, type ReactNode } from 'react';
import { useSignIn, useSignUp } from '../../api/index.js';
import { ErrorNotice, fieldErrors } from '../components/ErrorNotice.js';
import { TextField } from '../components/TextField.js';
import { hrefOf } from '../router.js';

function AuthLayout({ title, children, footer }: { title: string; children: ReactNode; footer: ReactNode }) {
  return (
    <main className="auth" id="main">
      <div className="auth-card">
        <div className="auth-brand" aria-hidden="true">
          Nexus Flow
        </div>
        <h1>{title}</h1>
        {children}
        <p className="auth-footer">{footer}</p>
      </div>
    </main>
  );
}

/**
 * Sign-in. On success the token is stored and the app shell moves on (to where the person was
 * going, else their first workspace); a refusal shows the server's sentence.
 */
export function SignInPage() {
  const signIn = useSignIn();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const error = signIn.error;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (signIn.isPending) return;
    signIn.mutate({ email: email.trim(), password });
  };

  return (
    <AuthLayout
      title="Sign in"
      footer={
        <>
          New here? <a href={hrefOf({ name: 'signup' })}>Create an account</a>
        </>
      }
    >
      <form onSubmit={submit} noValidate aria-describedby={error === null ? undefined : 'signin-error'}>
        <TextField label="Email" type="email" autoComplete="email" required value={email} onChange={setEmail} errors={fieldErrors(error, '/email')} testId="signin-email" autoFocus />
        <TextField label="Password" type="password" autoComplete="current-password" required value={password} onChange={setPassword} errors={fieldErrors(error, '/password')} testId="signin-password" />
        {error !== null && (
          <div id="signin-error">
            <ErrorNotice error={error} hidePointers={['/email', '/password']} testId="signin-error" />
          </div>
        )}
        <button type="submit" className="button button-primary button-wide" disabled={signIn.isPending} aria-busy={signIn.isPending} data-testid="signin-submit">
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </AuthLayout>
  );
}

/** Sign-up: an account and its first workspace (the person becomes its owner). */
export function SignUpPage() {
  const signUp = useSignUp();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [workspaceName, setWorkspaceName] = useState('');
  const error = signUp.error;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (signUp.isPending) return;
    const workspace = workspaceName.trim();
    signUp.mutate({ name: name.trim(), email: email.trim(), password, ...(workspace === '' ? {} : { workspaceName: workspace }) });
  };

  return (
    <AuthLayout
      title="Create your account"
      footer={
        <>
          Already have an account? <a href={hrefOf({ name: 'signin' })}>Sign in</a>
        </>
      }
    >
      <form onSubmit={submit} noValidate>
        <TextField label="Your name" autoComplete="name" required maxLength={120} value={name} onChange={setName} errors={fieldErrors(error, '/name')} testId="signup-name" autoFocus />
        <TextField label="Email" type="email" autoComplete="email" required maxLength={254} value={email} onChange={setEmail} errors={fieldErrors(error, '/email')} testId="signup-email" />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          value={password}
          onChange={setPassword}
          hint="At least 8 characters."
          errors={fieldErrors(error, '/password')}
          testId="signup-password"
        />
        <TextField
          label="Workspace name (optional)"
          maxLength={120}
          value={workspaceName}
          onChange={setWorkspaceName}
          hint={`Defaults to "${name.trim() === '' ? 'Your name' : name.trim()}'s workspace".`}
          errors={fieldErrors(error, '/workspaceName')}
          testId="signup-workspace"
        />
        {error !== null && <ErrorNotice error={error} hidePointers={['/name', '/email', '/password', '/workspaceName']} testId="signup-error" />}
        <button type="submit" className="button button-primary button-wide" disabled={signUp.isPending} aria-busy={signUp.isPending} data-testid="signup-submit">
          {signUp.isPending ? 'Creating…' : 'Create account'}
        </button>
      </form>
    </AuthLayout>
  );
}
