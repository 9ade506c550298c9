/**
 * The default time of a test and a hook in the integration and e2e projects (jest's is 5 s). Most of
 * them boot the application on a fresh database first, which takes a few seconds on this 2-core machine
 * and more when the whole suite runs at once; a file that needs longer sets its own.
 */
jest.setTimeout(30_000);
