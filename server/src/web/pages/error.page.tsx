import { Layout } from '../layout.tsx';

export interface ErrorPageProps {
  nonce: string;
  csrfToken: string;
  title: string;
  message: string;
  signedIn?: boolean;
}

/** A problem, said plainly, with a way back. */
export function ErrorPage(props: ErrorPageProps) {
  return (
    <Layout title={props.title} nonce={props.nonce} csrfToken={props.csrfToken} signedIn={props.signedIn}>
      <div class="narrow">
        <h1>{props.title}</h1>
        <p class="lede">{props.message}</p>
        <p>
          <a class="button button--secondary" href={props.signedIn ? '/' : '/sign-in'}>
            {props.signedIn ? 'Back to your vault' : 'Go to sign-in'}
          </a>
        </p>
      </div>
    </Layout>
  );
}
