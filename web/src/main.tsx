import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { startPrefetch } from './log/prefetch.js';
import { storedOrg } from './session.js';
import './styles.css';

startPrefetch(storedOrg());

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
