export { setSmsTransport, setSmtpTransport, smsView, smtpView } from './transports';
export { sendTestMessage } from './testMessage';
