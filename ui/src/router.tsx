/**
 * A small router over the History API, for the pages under /_s3batch/ui/: a route table of path
 * patterns → pages, so that later pages (the create-job wizard, the bucket browser) are one entry
 * each. Links are real <a href> (middle-click and keyboard work); a plain click navigates in place.
 */
import { createContext, useContext, useEffect, useState, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react';
import { UI } from './api.js';

export interface Location {
  /** The path under /_s3batch/ui/, without the leading slash: "jobs", "jobs/<id>". */
  readonly path: string;
  readonly search: URLSearchParams;
}

const read = (): Location => ({
  path: window.location.pathname.startsWith(UI) ? window.location.pathname.slice(UI.length).replace(/\/+$/, '') : '',
  search: new URLSearchParams(window.location.search),
});

const RouterContext = createContext<{ location: Location; navigate: (to: string, replace?: boolean) => void }>({
  location: read(),
  navigate: () => undefined,
});

export function Router({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState(read);
  useEffect(() => {
    const onPop = (): void => setLocation(read());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = (to: string, replace = false): void => {
    const url = `${UI}${to}`;
    if (replace) window.history.replaceState(null, '', url);
    else window.history.pushState(null, '', url);
    setLocation(read());
    window.scrollTo(0, 0);
  };
  return <RouterContext.Provider value={{ location, navigate }}>{children}</RouterContext.Provider>;
}

export const useRouter = () => useContext(RouterContext);

export interface Route {
  /** A pattern like "jobs/:id"; "" is the landing page. */
  readonly pattern: string;
  readonly render: (params: Readonly<Record<string, string>>) => ReactNode;
}

export function match(routes: readonly Route[], path: string): ReactNode | undefined {
  const parts = path === '' ? [] : path.split('/');
  for (const route of routes) {
    const want = route.pattern === '' ? [] : route.pattern.split('/');
    if (want.length !== parts.length) continue;
    const params: Record<string, string> = {};
    if (want.every((w, i) => (w.startsWith(':') ? ((params[w.slice(1)] = decodeURIComponent(parts[i] ?? '')), true) : w === parts[i]))) {
      return route.render(params);
    }
  }
  return undefined;
}

export function Link({ to, children, ...rest }: { to: string; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const { navigate } = useRouter();
  const onClick = (e: MouseEvent<HTMLAnchorElement>): void => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={`${UI}${to}`} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
