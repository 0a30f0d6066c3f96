// GraphiQL against the API with the coordinator's token: the schema, its docs and autocompletion, no other tool.
// Introspection needs an authenticated credential (README "Authentication"); the token is sent on every request.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { GraphiQL } from 'graphiql';
import type { Fetcher } from '@graphiql/toolkit';
import { apiUrl } from '../api/client';
import { accessToken } from '../api/session';

const fetcher: Fetcher = async (params) => {
  const token = await accessToken();
  const response = await fetch(apiUrl, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json',
      Authorization: `Bearer ${token ?? ''}`,
    },
    body: JSON.stringify(params),
  });
  return response.json();
};

const defaultQuery = `# The coordinator's token is sent with every request: try the docs (book icon) or run this.
query Clinics {
  viewer {
    organization {
      name
      clinics(first: 10) { nodes { id name routingPreference } }
    }
  }
}
`;

export default function ExplorerPage() {
  return (
    <div className="explorer">
      <h1 className="visually-hidden">API explorer</h1>
      <GraphiQL fetcher={fetcher} defaultQuery={defaultQuery} />
    </div>
  );
}
