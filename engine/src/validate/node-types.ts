/** Engine-native types the graph rules name; kept here so validation depends on nothing else. */
export const TRIGGER_TYPE = 'core/trigger';
export const WAIT_TYPE = 'core/wait';

/** The port every node has, taken when its step fails. */
export const ERROR_PORT = 'error';
