import { PageHeader } from '../components/ui.js';
import { Link } from '../router.js';

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <div className="card card-pad">
        <p>There is no page at this address.</p>
        <p>
          <Link href="/">Go to the start page</Link>
        </p>
      </div>
    </>
  );
}
