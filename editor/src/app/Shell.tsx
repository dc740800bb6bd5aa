import { useCallback, useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { tokenStore } from '../api/index.js';
import { HomeRedirect } from './HomeRedirect.js';
import { SignInPage, SignUpPage } from './pages/AuthPages.js';
import { NotFoundPage } from './pages/NotFoundPage.js';
import { pageTitle } from './page-title.js';
import { hrefOf, navigate, parseRoute, rememberReturnTo, useRoute, type Route } from './router.js';
import { useToken } from './useToken.js';
import { WorkspaceScreen } from './WorkspaceScreen.js';

/** Signed out: sign-in or sign-up; any other address remembers itself and goes to sign-in. */
function SignedOut({ route }: { route: Route }) {
  const href = hrefOf(route);
  const onAuthPage = route.name === 'signin' || route.name === 'signup';
  useEffect(() => {
    if (onAuthPage) return;
    rememberReturnTo(parseRoute(href));
    navigate({ name: 'signin' }, { replace: true });
  }, [href, onAuthPage]);
  return route.name === 'signup' ? <SignUpPage /> : <SignInPage />;
}

/** Picks the screen from the sign-in token and the route. */
export function Shell() {
  const token = useToken();
  const route = useRoute();
  const queryClient = useQueryClient();
  const signedIn = token !== undefined && token !== '';

  const routeName = route.name;
  useEffect(() => {
    document.title = pageTitle(routeName);
  }, [routeName]);

  const signOut = useCallback(() => {
    // Navigate first: going to #/signin on purpose is not a place to come back to after signing in.
    navigate({ name: 'signin' });
    tokenStore.clear();
    queryClient.clear();
  }, [queryClient]);

  if (!signedIn) return <SignedOut route={route} />;
  if (route.name === 'home' || route.name === 'signin' || route.name === 'signup') return <HomeRedirect onSignOut={signOut} />;
  if (route.name === 'notFound') return <NotFoundPage path={route.path} />;
  return <WorkspaceScreen route={route} onSignOut={signOut} />;
}
